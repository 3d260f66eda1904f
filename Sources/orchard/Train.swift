import ArgumentParser
import Foundation
import NeuralNet
import Platform

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a Keras-style model or a classical estimator on a CSV file and save it to a directory.",
        discussion: "With --server the network trains as a job on an Orchard server: --data is a dataset id or a local file "
            + "(uploaded first), progress is followed live, and the result is registered as a model version.")

    @Option(help: "Keras model.to_json() output or an Orchard spec.") var model: String?
    @OptionGroup var classic: EstimatorOptions
    @Option(help: "Training data: CSV with a header row, or IDX images (with --labels).") var data: String
    @Option(help: "Name of the target column (optional for clustering).") var target: String?
    @Option(help: "Labels file when --data is IDX images (MNIST's *-idx1-ubyte).") var labels: String?
    @Option(help: "Multiply every feature by this (e.g. 1/255 for pixels).") var rescale: Float?
    @Option var epochs = 5
    @Option(name: .customLong("batch-size")) var batchSize = 32
    @Option(help: "sgd, adam, adamw or rmsprop.") var optimizer = "adam"
    @Option(name: .customLong("learning-rate"), help: "Default: the optimizer's Keras default.") var learningRate: Float?
    @Option var loss = "sparse_categorical_crossentropy"
    @Option(parsing: .upToNextOption, help: "Metrics, e.g. accuracy.") var metrics: [String] = ["accuracy"]
    @Option(name: .customLong("validation-split")) var validationSplit = 0.0
    @Option var seed: UInt64 = 0
    @Option(name: .customLong("out"), help: "Directory to save the trained model to (local training).") var outDirectory: String?
    /// Checked to be set before local training starts.
    var out: String { outDirectory ?? "" }
    @Flag(help: "Print the result as one JSON object on the last line.") var json = false
    @OptionGroup(title: "Training on a server") var client: ClientOptions
    @Option(name: .customLong("register-as"), help: "With --server: model name to register (default: the model file's name).")
    var registerAs: String?

    /// On the main thread: local training runs here, as it did before the command became async.
    @MainActor
    func run() async throws {
        if client.server != nil { return try await trainOnServer() }
        guard outDirectory != nil else { throw ValidationError("give --out DIRECTORY to save the model (or --server URL to train on a server)") }
        if let estimator = classic.estimator {
            return try trainEstimator(estimator)
        }
        guard let model, let target else {
            throw ValidationError("give --model (a neural network) or --estimator (a classical model), and --target")
        }
        var settings = TrainingRun.Settings()
        settings.epochs = epochs
        settings.batchSize = batchSize
        settings.optimizer = optimizer
        settings.learningRate = learningRate
        settings.loss = loss
        settings.metrics = metrics.flatMap { $0.split(separator: ",").map(String.init) }
        settings.validationSplit = validationSplit
        settings.seed = seed
        guard let modelJSON = FileManager.default.contents(atPath: model) else {
            throw PlatformError.invalidInput("\(model): cannot read the model file")
        }
        let run = try TrainingRun(modelJSON: modelJSON, modelSource: model, dataPath: data, labelsPath: labels, target: target,
                                  rescale: rescale, settings: settings)
        let progress: Callback = json
            ? ProgressBar(output: .standardError, interactive: false)
            : ProgressBar()
        let history = try run.run(output: URL(fileURLWithPath: out), callbacks: [progress])
        if json {
            let epochs: [JSONValue] = history.epochs.map { record in
                .object(["epoch": .number(Double(record.epoch)), "seconds": .number(record.seconds)]
                    .merging(JSONValue.logs(record.logs)) { first, _ in first })
            }
            printJSONLine(["epochs": .array(epochs), "out": .string(out)])
        } else {
            print("Saved the model to \(out)")
        }
    }
}
