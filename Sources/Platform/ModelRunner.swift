import Foundation
import NeuralNet
import Tensor

/// A loaded saved model that evaluates and predicts on raw CSV rows,
/// replaying the model's preprocessing.
public struct ModelRunner {
    public let saved: SavedModel

    public init(directory: URL) throws {
        saved = try SavedModel.load(from: directory)
    }

    public var model: Sequential { saved.model }

    /// Samples from a CSV or, with `labelsPath` for evaluation, IDX files.
    public func samples(csvPath: String, labelsPath: String? = nil, requireTarget: Bool) throws -> TabularSamples {
        try TabularSamples.load(path: csvPath, labelsPath: labelsPath, target: saved.preprocessing.target,
                                requireTarget: requireTarget, rescale: saved.preprocessing.rescale,
                                inputShape: model.inputShape)
    }

    /// Loss and metrics on a labelled CSV, with the loss and metrics the model was trained with.
    public func evaluate(csvPath: String, labelsPath: String? = nil) throws -> [String: Double] {
        let data = try samples(csvPath: csvPath, labelsPath: labelsPath, requireTarget: true)
        guard let targets = data.targets else { throw PlatformError.invalidInput("\(csvPath): no target column") }
        let loss = try Loss(kerasName: saved.training["loss"]?.string ?? "sparse_categorical_crossentropy")
        let metrics = try (saved.training["metrics"]?.array ?? ["accuracy"]).compactMap(\.string)
            .map { try Metric(kerasName: $0) }
        let trainer = Trainer(model: model, loss: loss, optimizer: SGD(), metrics: metrics)
        return try trainer.evaluate(Trainer.Data(inputs: data.inputs, targets: targets))
    }

    /// Model outputs (rows, outputs…) for every row of a CSV.
    public func predict(csvPath: String) throws -> Tensor {
        model.predict(try samples(csvPath: csvPath, requireTarget: false).inputs)
    }
}
