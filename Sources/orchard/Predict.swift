import ArgumentParser
import Foundation
import NeuralNet
import Platform
import Tensor
import ClassicML

struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a saved model on the rows of a CSV or on a PNG image.",
        discussion: "With --server, NAME is a deployment on an Orchard server and the rows or image go to "
            + "POST /api/v1/deployments/NAME/predict.")

    @Argument(help: ArgumentHelp("Saved-model directory (with --server: a deployment name).", valueName: "directory-or-name"))
    var directory: String
    @Option(name: .customLong("data"), help: "CSV of raw feature rows (a target column, if present, is ignored).")
    var rows: String?
    /// The CSV path (checked to be set before CSV prediction).
    var data: String { rows ?? "" }
    @Option(help: "A PNG image, fitted to the model's input (gray by luma, box-filter resize).") var image: String?
    @Flag var json = false
    @OptionGroup(title: "Predicting on a server") var client: ClientOptions

    /// On the main thread: local prediction runs here, as it did before the command became async.
    @MainActor
    func run() async throws {
        guard (rows == nil) != (image == nil) else { throw ValidationError("give one of --data rows.csv or --image picture.png") }
        if client.server != nil { return try await predictOnServer() }
        if let image {
            let runner = try ModelRunner(directory: URL(fileURLWithPath: directory))
            return report(try runner.predict(png: try Predict.read(image)))
        }
        if SavedEstimator.isEstimatorDirectory(URL(fileURLWithPath: directory)) {
            return try predictWithEstimator()
        }
        let runner = try ModelRunner(directory: URL(fileURLWithPath: directory))
        report(try runner.predict(csvPath: data))
    }

    func report(_ outputs: Tensor) {
        let rows = outputs.shape[0]
        let width = outputs.count / max(rows, 1)
        let predictions: [[Float]] = (0..<rows).map { row in Array(outputs.values[(row * width)..<((row + 1) * width)]) }
        let classes = width > 1 ? outputs.argmaxOfLastAxis() : predictions.map { $0[0] > 0.5 ? 1 : 0 }
        if json {
            printJSONLine(["predictions": .array(predictions.map { .array($0.map { .number(Double($0)) }) }),
                           "classes": .ints(classes)])
        } else {
            Predict.printRows(predictions, classes: classes)
        }
    }

    static func printRows(_ predictions: [[Float]], classes: [Int]) {
        for (row, values) in predictions.enumerated() {
            print("\(row + 1): class \(classes[row])  " + values.map { String(format: "%.4f", $0) }.joined(separator: " "))
        }
    }

    static func read(_ path: String) throws -> Data {
        guard let contents = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the file") }
        return contents
    }
}
