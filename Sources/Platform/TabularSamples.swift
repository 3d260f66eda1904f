import DataPrep
import Foundation
import NeuralNet
import Tensor

/// Samples read from a numeric CSV and shaped for a model: the target column
/// split off, pixels rescaled, each row reshaped to the model's input shape.
public struct TabularSamples {
    /// (rows, inputShape…)
    public let inputs: Tensor
    /// (rows), or nil when the file has no target column (prediction input).
    public let targets: Tensor?
    public let featureNames: [String]

    /// - Parameters:
    ///   - target: the target column; when `requireTarget` is false and the
    ///     file lacks it, every column is a feature.
    ///   - rescale: multiplies every feature (Keras' `Rescaling`, e.g. 1/255).
    public init(csvPath: String, target: String?, requireTarget: Bool, rescale: Float?, inputShape: [Int]) throws {
        let table = try CSVReader.readNumeric(path: csvPath)
        var features: [Float], targets: [Float]?, names: [String]
        if let target, requireTarget || table.columnNames.contains(target) {
            let split = try table.split(target: target)
            (features, names, targets) = (split.features, split.featureNames, split.targets)
        } else {
            (features, names, targets) = (table.values, table.columnNames, nil)
        }
        let expected = inputShape.reduce(1, *)
        guard names.count == expected else {
            throw PlatformError.invalidInput(
                "\(csvPath): \(names.count) feature columns\(target.map { " (besides target '\($0)')" } ?? ""); "
                + "the model's input shape \(inputShape) needs \(expected)")
        }
        if let rescale, rescale != 1 {
            features.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] *= rescale }
            }
        }
        inputs = Tensor(shape: [table.rowCount] + inputShape, values: features)
        self.targets = targets.map { Tensor(shape: [table.rowCount], values: $0) }
        featureNames = names
    }
}

