import ArgumentParser
import Foundation
import NeuralNet
import Platform
import ClassicML

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Loss and metrics of a saved model on a labelled CSV.")

    @Argument(help: "Saved-model directory.") var directory: String
    @Option(help: "CSV with the model's target column.") var data: String
    @Option(help: "Labels file when --data is IDX images.") var labels: String?
    @Flag var json = false

    func run() throws {
        if SavedEstimator.isEstimatorDirectory(URL(fileURLWithPath: directory)) {
            return try evaluateEstimator()
        }
        let runner = try ModelRunner(directory: URL(fileURLWithPath: directory))
        let logs = try runner.evaluate(csvPath: data, labelsPath: labels)
        if json {
            var result = JSONValue.logs(logs)
            result["samples"] = .number(logs["samples"] ?? 0)
            printJSONLine(.object(result))
        } else {
            for key in logs.keys.sorted() { print("\(key): \(logs[key]!)") }
        }
    }
}
