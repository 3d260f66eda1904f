import Tensor

/// `keras.layers.InputLayer`: declares the input shape; identity.
public final class InputLayer: Layer {
    public static let className = "InputLayer"
    public var name: String
    /// Without the batch dimension.
    public let shape: [Int]

    public init(shape: [Int], name: String = "input_layer") {
        self.shape = shape
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        // Keras 3 writes batch_shape; tf.keras 2 batch_input_shape; some write shape.
        let batchShape = try reader.shape("batch_shape") ?? reader.shape("batch_input_shape")
        let plainShape = try reader.shape("shape") ?? reader.shape("input_shape")
        guard let dimensions = batchShape.map({ Array($0.dropFirst()) }) ?? plainShape,
              let shape = Optional(dimensions.compactMap { $0 }), shape.count == dimensions.count, !shape.isEmpty else {
            throw NeuralNetError.invalidModel("layer '\(reader.layerName)' (InputLayer): needs a fully known batch_shape "
                                              + "such as [null, 28, 28, 1]")
        }
        try reader.require("sparse", equals: false)
        try reader.require("ragged", equals: false)
        reader.ignore("optional", "input_tensor")
        self.init(shape: shape, name: reader.layerName)
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] {
        guard inputShape == shape else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape, reason: "differs from the declared \(shape)")
        }
        return shape
    }

    public func call(_ input: Tensor, training: Bool) -> Tensor { input }

    public var config: [String: JSONValue] {
        ["name": .string(name), "batch_shape": .batchShape(shape), "dtype": "float32", "sparse": false, "ragged": false]
    }
}

/// `keras.layers.Flatten`: (batch, …) → (batch, product).
public final class Flatten: Layer {
    public static let className = "Flatten"
    public var name: String
    public init(name: String = "flatten") { self.name = name }
    public convenience init(reader: inout LayerConfigReader) throws {
        try reader.requireChannelsLast()
        self.init(name: reader.layerName)
    }
    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] { [inputShape.reduce(1, *)] }
    public func call(_ input: Tensor, training: Bool) -> Tensor { input.reshaped([input.shape[0], -1]) }
    public var config: [String: JSONValue] { ["name": .string(name), "trainable": true, "data_format": "channels_last"] }
}

/// `keras.layers.Reshape`: to `targetShape` (one dimension may be -1).
public final class Reshape: Layer {
    public static let className = "Reshape"
    public var name: String
    public let targetShape: [Int]
    private var resolvedShape: [Int] = []

    public init(targetShape: [Int], name: String = "reshape") {
        self.targetShape = targetShape
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        guard let raw = reader.value("target_shape"), let list = raw.array,
              let shape = Optional(list.compactMap(\.int)), shape.count == list.count,
              shape.allSatisfy({ $0 > 0 || $0 == -1 }), shape.filter({ $0 == -1 }).count <= 1 else {
            throw NeuralNetError.invalidModel("layer '\(reader.layerName)' (Reshape): target_shape must be a list of "
                                              + "positive dimensions, at most one -1")
        }
        self.init(targetShape: shape, name: reader.layerName)
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] {
        let total = inputShape.reduce(1, *)
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        var shape = targetShape
        if let unknown = targetShape.firstIndex(of: -1), known > 0, total % known == 0 { shape[unknown] = total / known }
        guard shape.reduce(1, *) == total, !shape.contains(-1) else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape,
                                                   reason: "has \(total) values, which do not fit target_shape \(targetShape)")
        }
        resolvedShape = shape
        return shape
    }

    public func call(_ input: Tensor, training: Bool) -> Tensor { input.reshaped([input.shape[0]] + resolvedShape) }
    public var config: [String: JSONValue] {
        ["name": .string(name), "trainable": true, "target_shape": .ints(targetShape)]
    }
}
