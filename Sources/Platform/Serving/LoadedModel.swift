import ClassicML
import Foundation
import NeuralNet
import Tensor

/// A model version loaded for serving, plus what callers need to shape
/// inputs (shapes, preprocessing). A network runs as N replicas behind a
/// dynamic batcher; a classical estimator takes raw tabular rows (strings
/// and blanks included) and replays its recipe (TabularPrediction.swift).
public final class LoadedModel: @unchecked Sendable {
    public let name: String
    public let version: Int
    /// Per sample, without the batch dimension. Estimators: [raw columns].
    public let inputShape: [Int]
    /// Networks: the model's output; estimators: [classes] with probabilities, else [1].
    public let outputShape: [Int]
    public let preprocessing: SavedModel.Preprocessing
    let batcher: DynamicBatcher?
    let estimator: EstimatorRunner?

    public var inputSize: Int { inputShape.reduce(1, *) }
    public var outputSize: Int { outputShape.reduce(1, *) }

    /// Loads `replicas` copies from the artifact store (on the calling thread).
    init(version: ModelVersion, artifacts: any ArtifactStore, replicas: Int, maxBatchSize: Int, maxQueueDelay: Double) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (file, sha256) in version.files {
            try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(file),
                                                       withDestinationURL: artifacts.fileURL(for: sha256))
        }
        name = version.name
        self.version = version.version
        if SavedEstimator.isEstimatorDirectory(directory) {
            // Estimators are read-only once fitted: one copy serves every caller.
            let runner = try EstimatorRunner(directory: directory)
            estimator = runner
            batcher = nil
            inputShape = [runner.saved.recipe.columns.count]
            outputShape = [TabularPredictions.outputWidth(runner.saved, runner.estimator)]
            preprocessing = .init(target: runner.saved.recipe.target, featureCount: runner.saved.recipe.columns.count)
            return
        }
        let copies = try (0..<max(1, replicas)).map { _ in try SavedModel.load(from: directory) }
        inputShape = copies[0].model.inputShape
        outputShape = copies[0].model.outputShape
        preprocessing = copies[0].preprocessing
        batcher = DynamicBatcher(replicas: copies.map(\.model), maxBatchSize: maxBatchSize, maxQueueDelay: maxQueueDelay)
        estimator = nil
    }

    /// Outputs (rows × outputSize) for `rows` samples; `raw` input first gets
    /// the model's preprocessing (rescale) replayed. An estimator takes its
    /// raw columns as numbers here and answers probabilities (classifiers
    /// that have them) or its prediction.
    public func predict(_ values: [Float], rows: Int, raw: Bool, arrival: BatchArrival? = nil) async throws -> [Float] {
        guard rows > 0, values.count == rows * inputSize else {
            throw ServiceError.invalid(field: "inputs", message: "expected \(rows) × \(inputSize) values (input shape \(inputShape)), "
                                       + "found \(values.count)")
        }
        if estimator != nil { return try predictNumeric(values, rows: rows) }
        var values = values
        if raw, let rescale = preprocessing.rescale, rescale != 1 {
            for index in values.indices { values[index] *= rescale }
        }
        return try await batcher!.predict(values, rows: rows, arrival: arrival)
    }

    /// Tells the batcher a request for this model is being read and decoded,
    /// so a batch about to run may wait for it (see `DynamicBatcher`). Pass
    /// it to `predict`, or `withdraw` it when the request fails first. Nil
    /// for estimators, which do not batch.
    public func announce() -> BatchArrival? { batcher?.announce() }

    public var batchStatistics: (batches: Int, largest: Int) { batcher?.statistics ?? (0, 0) }

    func stop() { batcher?.stop() }
}
