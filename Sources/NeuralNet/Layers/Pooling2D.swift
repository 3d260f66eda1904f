import Tensor

/// `keras.layers.MaxPooling2D` and `AveragePooling2D` (channels_last).
public class Pooling2D {
    public var name: String
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding

    init(window poolSize: (Int, Int), windowStrides strides: (Int, Int)?, padding: Padding, name: String) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize  // Keras: strides default to pool_size
        self.padding = padding
        self.name = name
    }

    /// (pool, strides, padding) from a Keras pooling config.
    static func options(_ reader: inout LayerConfigReader) throws -> ((Int, Int), (Int, Int)?, Padding) {
        let pool = try reader.ints("pool_size", count: 2, default: [2, 2])
        let hasStrides = reader.config["strides"].map { !$0.isNull } ?? false
        let strides = hasStrides ? try reader.ints("strides", count: 2) : nil
        reader.ignore("strides")
        guard pool.allSatisfy({ $0 > 0 }), strides?.allSatisfy({ $0 > 0 }) ?? true else {
            throw NeuralNetError.invalidModel("layer '\(reader.layerName)': pool_size and strides must be positive")
        }
        try reader.requireChannelsLast()
        return ((pool[0], pool[1]), strides.map { ($0[0], $0[1]) }, try reader.padding())
    }

    func outputShape(_ inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3 else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape, reason: "is not (height, width, channels)")
        }
        let g = WindowGeometry(input: [1] + inputShape, window: poolSize, strides: strides, padding: padding)
        guard g.outputHeight > 0, g.outputWidth > 0 else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape, reason: "is smaller than the pool")
        }
        return [g.outputHeight, g.outputWidth, inputShape[2]]
    }

    public var config: [String: JSONValue] {
        ["name": .string(name), "trainable": true, "pool_size": .ints([poolSize.0, poolSize.1]),
         "strides": .ints([strides.0, strides.1]), "padding": .string(padding.rawValue), "data_format": "channels_last"]
    }
}

public final class MaxPooling2D: Pooling2D, Layer {
    public static let className = "MaxPooling2D"
    public convenience init(reader: inout LayerConfigReader) throws {
        let (pool, strides, padding) = try Pooling2D.options(&reader)
        self.init(poolSize: pool, strides: strides, padding: padding, name: reader.layerName)
    }
    public init(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
                name: String = "max_pooling2d") {
        super.init(window: poolSize, windowStrides: strides, padding: padding, name: name)
    }
    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] { try outputShape(inputShape) }
    public func call(_ input: Tensor, training: Bool) -> Tensor {
        input.maxPool2d(pool: poolSize, strides: strides, padding: padding)
    }
}

public final class AveragePooling2D: Pooling2D, Layer {
    public static let className = "AveragePooling2D"
    public convenience init(reader: inout LayerConfigReader) throws {
        let (pool, strides, padding) = try Pooling2D.options(&reader)
        self.init(poolSize: pool, strides: strides, padding: padding, name: reader.layerName)
    }
    public init(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid,
                name: String = "average_pooling2d") {
        super.init(window: poolSize, windowStrides: strides, padding: padding, name: name)
    }
    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] { try outputShape(inputShape) }
    public func call(_ input: Tensor, training: Bool) -> Tensor {
        input.averagePool2d(pool: poolSize, strides: strides, padding: padding)
    }
}
