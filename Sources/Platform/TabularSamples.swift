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

    /// Samples from IDX files (the MNIST distribution format): images
    /// (count, …) and, when given, labels (count).
    public init(idxImagesPath: String, labelsPath: String?, rescale: Float?, inputShape: [Int]) throws {
        let images = try IDXReader.read(path: idxImagesPath)
        let count = images.shape.first ?? 0
        let perSample = images.shape.dropFirst().reduce(1, *)
        let expected = inputShape.reduce(1, *)
        guard perSample == expected else {
            throw PlatformError.invalidInput("\(idxImagesPath): samples of shape \(Array(images.shape.dropFirst())) "
                                             + "(\(perSample) values); the model's input shape \(inputShape) needs \(expected)")
        }
        var features = images.values
        if let rescale, rescale != 1 {
            features.withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] *= rescale }
            }
        }
        inputs = Tensor(shape: [count] + inputShape, values: features)
        if let labelsPath {
            let labels = try IDXReader.read(path: labelsPath)
            guard labels.shape == [count] else {
                throw PlatformError.invalidInput("\(labelsPath): labels of shape \(labels.shape); "
                                                 + "\(idxImagesPath) has \(count) samples")
            }
            targets = Tensor(shape: [count], values: labels.values)
        } else {
            targets = nil
        }
        featureNames = (0..<perSample).map { "pixel\($0)" }
    }

    /// IDX files are recognised by name, as distributed: `*-ubyte` or `*.idx`.
    public static func isIDX(_ path: String) -> Bool {
        path.hasSuffix("ubyte") || path.hasSuffix(".idx") || path.contains(".idx")
    }

    /// Reads CSV or IDX by the file's name.
    public static func load(path: String, labelsPath: String?, target: String?, requireTarget: Bool,
                            rescale: Float?, inputShape: [Int]) throws -> TabularSamples {
        if isIDX(path) {
            if requireTarget, labelsPath == nil {
                throw PlatformError.invalidInput("\(path) is an IDX image file: pass its labels file with --labels")
            }
            return try TabularSamples(idxImagesPath: path, labelsPath: labelsPath, rescale: rescale, inputShape: inputShape)
        }
        return try TabularSamples(csvPath: path, target: target, requireTarget: requireTarget, rescale: rescale,
                                  inputShape: inputShape)
    }
}
