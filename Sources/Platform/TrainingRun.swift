import DataPrep
import Foundation
import NeuralNet
import Tensor

/// One training run from a CSV file to a saved-model directory: what
/// `orchard train` and training jobs execute. Everything is validated before
/// the first step; the model directory appears only once training succeeded.
public struct TrainingRun {
    public struct Settings {
        public var epochs = 5
        public var batchSize = 32
        public var optimizer = "adam"
        /// nil: the optimizer's Keras default.
        public var learningRate: Float?
        public var loss = "sparse_categorical_crossentropy"
        public var metrics = ["accuracy"]
        public var seed: UInt64 = 0
        public var validationSplit = 0.0
        public var shuffle = true
        public init() {}
    }

    public let spec: ModelSpec
    public let settings: Settings
    public let preprocessing: SavedModel.Preprocessing
    let trainer: Trainer
    let samples: TabularSamples

    /// Parses the model, the settings and the data; throws on the first problem.
    public init(modelJSON: Data, modelSource: String, dataPath: String, labelsPath: String? = nil, target: String,
                rescale: Float?, settings: Settings) throws {
        spec = try ModelSpec(json: modelJSON, source: modelSource)
        let loss = try Loss(kerasName: settings.loss)
        let metrics = try settings.metrics.filter { $0 != "loss" }.map { try Metric(kerasName: $0) }
        let optimizer = try OptimizerFactory.make(settings.optimizer, learningRate: settings.learningRate)
        guard settings.epochs > 0 else { throw PlatformError.invalidInput("epochs must be at least 1") }
        guard settings.batchSize > 0 else { throw PlatformError.invalidInput("batch size must be at least 1") }
        guard (0..<1).contains(settings.validationSplit) else {
            throw PlatformError.invalidInput("validation split must be in [0, 1)")
        }
        let model = try spec.build(seed: settings.seed)
        samples = try TabularSamples.load(path: dataPath, labelsPath: labelsPath, target: target, requireTarget: true,
                                          rescale: rescale, inputShape: spec.inputShape)
        trainer = Trainer(model: model, loss: loss, optimizer: optimizer, metrics: metrics)
        self.settings = settings
        preprocessing = SavedModel.Preprocessing(rescale: rescale, target: target, featureCount: samples.featureNames.count)
    }

    public var model: Sequential { trainer.model }

    /// Trains, then saves to `output` (atomically). Returns the history.
    public func run(output: URL, callbacks: [Callback] = []) throws -> History {
        guard let targets = samples.targets else { throw PlatformError.invalidInput("no target column") }
        let history = try trainer.fit(
            Trainer.Data(inputs: samples.inputs, targets: targets), epochs: settings.epochs,
            batchSize: settings.batchSize, shuffle: settings.shuffle, seed: settings.seed,
            validationSplit: settings.validationSplit, callbacks: callbacks)
        let saved = SavedModel(model: model, training: trainingConfig, preprocessing: preprocessing,
                               history: history.epochs)
        try saved.save(to: output)
        return history
    }

    var trainingConfig: [String: JSONValue] {
        ["optimizer": .object(trainer.optimizer.config), "loss": .string(trainer.loss.rawValue),
         "metrics": .array(trainer.metrics.map { .string($0.rawValue) }),
         "epochs": .number(Double(settings.epochs)), "batch_size": .number(Double(settings.batchSize)),
         "seed": .number(Double(settings.seed)), "validation_split": .number(settings.validationSplit)]
    }
}
