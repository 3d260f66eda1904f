import Tensor

/// `keras.layers.Dense`: y = activation(x · kernel + bias), applied to the
/// last axis.
public final class Dense: ActivatedLayer {
    public static let className = "Dense"
    public var name: String
    public let units: Int
    public let activation: Activation
    public let useBias: Bool
    let kernelInitializer: Initializer
    let biasInitializer: Initializer
    /// (inputFeatures, units)
    public private(set) var kernel: Weight?
    /// (units)
    public private(set) var bias: Weight?

    public init(units: Int, activation: Activation = .linear, useBias: Bool = true,
                kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
                name: String = "dense") {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        let units = try reader.int("units")
        guard units > 0 else { throw reader.unsupported("units", .number(Double(units)), expected: "a positive integer") }
        self.init(units: units, activation: try Activation.read(&reader), useBias: try reader.bool("use_bias", default: true),
                  kernelInitializer: try Initializer.read(&reader, key: "kernel_initializer", default: .glorotUniform),
                  biasInitializer: try Initializer.read(&reader, key: "bias_initializer", default: .zeros),
                  name: reader.layerName)
        try reader.requireNull("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                               "kernel_constraint", "bias_constraint", "lora_rank", "quantization_config")
        reader.ignore("lora_alpha")
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] {
        guard let features = inputShape.last, features > 0 else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape, reason: "has no feature axis")
        }
        kernel = Weight(name: "kernel", value: kernelInitializer.make([features, units], generator: &generator))
        if useBias { bias = Weight(name: "bias", value: biasInitializer.make([units], generator: &generator)) }
        return Array(inputShape.dropLast()) + [units]
    }

    public func callBeforeActivation(_ input: Tensor, training: Bool) -> Tensor {
        guard let kernel else { preconditionFailure("Dense '\(name)' called before build") }
        let features = kernel.value.shape[0]
        // Dense acts on the last axis: fold the leading axes into rows.
        let rows = input.reshaped([-1, features])
        var output = rows.matmul(kernel.value)
        if let bias { output = output.addingBias(bias.value) }
        return input.rank == 2 ? output : output.reshaped(Array(input.shape.dropLast()) + [units])
    }

    public func call(_ input: Tensor, training: Bool) -> Tensor {
        activation.apply(callBeforeActivation(input, training: training))
    }

    public var weights: [Weight] { [kernel, bias].compactMap { $0 } }

    public var config: [String: JSONValue] {
        ["name": .string(name), "trainable": true, "units": .number(Double(units)),
         "activation": activation.config, "use_bias": .bool(useBias),
         "kernel_initializer": kernelInitializer.config, "bias_initializer": biasInitializer.config,
         "kernel_regularizer": nil, "bias_regularizer": nil, "kernel_constraint": nil, "bias_constraint": nil]
    }
}
