import Tensor

/// `keras.layers.Activation`.
public final class ActivationLayer: ActivatedLayer {
    public static let className = "Activation"
    public var name: String
    public let activation: Activation

    public init(_ activation: Activation, name: String = "activation") {
        self.activation = activation
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        guard reader.config["activation"].map({ !$0.isNull }) ?? false else {
            throw NeuralNetError.invalidModel("layer '\(reader.layerName)' (Activation): option 'activation' is required")
        }
        self.init(try Activation.read(&reader), name: reader.layerName)
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] { inputShape }
    public func callBeforeActivation(_ input: Tensor, training: Bool) -> Tensor { input }
    public func call(_ input: Tensor, training: Bool) -> Tensor { activation.apply(input) }
    public var config: [String: JSONValue] { ["name": .string(name), "trainable": true, "activation": activation.config] }
}

/// `keras.layers.Rescaling`: x · scale + offset.
public final class Rescaling: Layer {
    public static let className = "Rescaling"
    public var name: String
    public let scale: Float
    public let offset: Float

    public init(scale: Float, offset: Float = 0, name: String = "rescaling") {
        self.scale = scale
        self.offset = offset
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        self.init(scale: Float(try reader.double("scale", default: 1)), offset: Float(try reader.double("offset", default: 0)),
                  name: reader.layerName)
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] { inputShape }
    public func call(_ input: Tensor, training: Bool) -> Tensor {
        offset == 0 ? input.scaled(by: scale) : input.scaled(by: scale) + offset
    }
    public var config: [String: JSONValue] {
        ["name": .string(name), "trainable": true, "scale": .number(Double(scale)), "offset": .number(Double(offset))]
    }
}

/// `keras.layers.Dropout`: in training, zeroes each value with probability
/// `rate` and scales the rest by 1/(1−rate); identity at inference.
public final class Dropout: Layer {
    public static let className = "Dropout"
    public var name: String
    public let rate: Float
    private var generator = RandomGenerator(seed: 0)

    public init(rate: Float, name: String = "dropout") {
        self.rate = rate
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        let rate = try reader.double("rate", default: 0.5)
        guard rate >= 0, rate < 1 else { throw reader.unsupported("rate", .number(rate), expected: "a rate in [0, 1)") }
        try reader.requireNull("noise_shape")
        reader.ignore("seed")
        self.init(rate: Float(rate), name: reader.layerName)
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] {
        self.generator = generator.fork()
        return inputShape
    }

    public func call(_ input: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else { return input }
        let keep = 1 - rate
        let mask = Tensor(uninitializedShape: input.shape)
        for i in 0..<mask.count { mask.pointer[i] = generator.nextUnitFloat() < keep ? 1 / keep : 0 }
        return input * mask
    }

    public var config: [String: JSONValue] {
        ["name": .string(name), "trainable": true, "rate": .number(Double(rate)), "seed": nil, "noise_shape": nil]
    }
}
