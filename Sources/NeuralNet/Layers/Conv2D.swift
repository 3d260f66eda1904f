import Tensor

/// `keras.layers.Conv2D`, channels_last, kernel (kh, kw, in, filters).
public final class Conv2D: ActivatedLayer {
    public static let className = "Conv2D"
    public var name: String
    public let filters: Int
    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let activation: Activation
    public let useBias: Bool
    let kernelInitializer: Initializer
    let biasInitializer: Initializer
    /// (kh, kw, inputChannels, filters)
    public private(set) var kernel: Weight?
    /// (filters)
    public private(set) var bias: Weight?

    public init(filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                activation: Activation = .linear, useBias: Bool = true,
                kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
                name: String = "conv2d") {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        let filters = try reader.int("filters")
        let size = try reader.ints("kernel_size", count: 2)
        let strides = try reader.ints("strides", count: 2, default: [1, 1])
        guard filters > 0, size.allSatisfy({ $0 > 0 }), strides.allSatisfy({ $0 > 0 }) else {
            throw NeuralNetError.invalidModel("layer '\(reader.layerName)' (Conv2D): filters, kernel_size and strides must be positive")
        }
        try reader.requireChannelsLast()
        try reader.require("dilation_rate", equals: [1, 1], alternatives: [1])
        try reader.require("groups", equals: 1)
        self.init(filters: filters, kernelSize: (size[0], size[1]), strides: (strides[0], strides[1]),
                  padding: try reader.padding(), activation: try Activation.read(&reader),
                  useBias: try reader.bool("use_bias", default: true),
                  kernelInitializer: try Initializer.read(&reader, key: "kernel_initializer", default: .glorotUniform),
                  biasInitializer: try Initializer.read(&reader, key: "bias_initializer", default: .zeros),
                  name: reader.layerName)
        try reader.requireNull("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                               "kernel_constraint", "bias_constraint", "lora_rank")
        reader.ignore("lora_alpha")
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] {
        guard inputShape.count == 3 else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape,
                                                   reason: "is not (height, width, channels)")
        }
        let geometry = WindowGeometry(input: [1] + inputShape, window: kernelSize, strides: strides, padding: padding)
        guard geometry.outputHeight > 0, geometry.outputWidth > 0 else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape,
                                                   reason: "is smaller than the \(kernelSize.0)×\(kernelSize.1) kernel")
        }
        let shape = [kernelSize.0, kernelSize.1, inputShape[2], filters]
        kernel = Weight(name: "kernel", value: kernelInitializer.make(shape, generator: &generator))
        if useBias { bias = Weight(name: "bias", value: biasInitializer.make([filters], generator: &generator)) }
        return [geometry.outputHeight, geometry.outputWidth, filters]
    }

    public func callBeforeActivation(_ input: Tensor, training: Bool) -> Tensor {
        guard let kernel else { preconditionFailure("Conv2D '\(name)' called before build") }
        return input.conv2d(kernel: kernel.value, bias: bias?.value, strides: strides, padding: padding)
    }

    public func call(_ input: Tensor, training: Bool) -> Tensor {
        activation.apply(callBeforeActivation(input, training: training))
    }

    /// This layer followed by max pooling, computed as
    /// activation(maxPool(x ∗ kernel) + bias): the same values, since adding
    /// a per-channel bias and a non-decreasing activation commute with a
    /// per-channel maximum, but the bias and activation (and their gradients)
    /// touch a quarter of the values. Nil when the activation is not monotone.
    func callFused(with pool: MaxPooling2D, _ input: Tensor, training: Bool) -> Tensor? {
        guard let kernel, activation.isNonDecreasing else { return nil }
        let convolved = input.conv2d(kernel: kernel.value, bias: nil, strides: strides, padding: padding)
        var pooled = convolved.maxPool2d(pool: pool.poolSize, strides: pool.strides, padding: pool.padding)
        if let bias { pooled = pooled.addingBias(bias.value) }
        return activation.apply(pooled)
    }

    public var weights: [Weight] { [kernel, bias].compactMap { $0 } }

    public var config: [String: JSONValue] {
        ["name": .string(name), "trainable": true, "filters": .number(Double(filters)),
         "kernel_size": .ints([kernelSize.0, kernelSize.1]), "strides": .ints([strides.0, strides.1]),
         "padding": .string(padding.rawValue), "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
         "activation": activation.config, "use_bias": .bool(useBias),
         "kernel_initializer": kernelInitializer.config, "bias_initializer": biasInitializer.config,
         "kernel_regularizer": nil, "bias_regularizer": nil, "activity_regularizer": nil,
         "kernel_constraint": nil, "bias_constraint": nil]
    }
}
