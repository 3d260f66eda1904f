import ArgumentParser
import Foundation
import NeuralNet
import Platform
import ClassicML

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a saved model on the rows of a CSV.")

    @Argument(help: "Saved-model directory.") var directory: String
    @Option(help: "CSV of raw feature rows (a target column, if present, is ignored).") var data: String
    @Flag var json = false

    func run() throws {
        if SavedEstimator.isEstimatorDirectory(URL(fileURLWithPath: directory)) {
            return try predictWithEstimator()
        }
        let runner = try ModelRunner(directory: URL(fileURLWithPath: directory))
        let outputs = try runner.predict(csvPath: data)
        let rows = outputs.shape[0]
        let width = outputs.count / max(rows, 1)
        let predictions: [[Float]] = (0..<rows).map { row in Array(outputs.values[(row * width)..<((row + 1) * width)]) }
        let classes = width > 1 ? outputs.argmaxOfLastAxis() : predictions.map { $0[0] > 0.5 ? 1 : 0 }
        if json {
            printJSONLine(["predictions": .array(predictions.map { .array($0.map { .number(Double($0)) }) }),
                           "classes": .ints(classes)])
        } else {
            for (row, values) in predictions.enumerated() {
                print("\(row + 1): class \(classes[row])  " + values.map { String(format: "%.4f", $0) }.joined(separator: " "))
            }
        }
    }
}
