import Tensor

/// `keras.layers.BatchNormalization` over the last axis. Training uses the
/// batch statistics and updates the moving ones:
/// moving = moving·momentum + batch·(1 − momentum) (biased variance, as Keras 3).
public final class BatchNormalization: Layer {
    public static let className = "BatchNormalization"
    public var name: String
    public let momentum: Float
    public let epsilon: Float
    public let center: Bool
    public let scale: Bool
    let gammaInitializer: Initializer, betaInitializer: Initializer
    let movingMeanInitializer: Initializer, movingVarianceInitializer: Initializer
    /// each (channels)
    public private(set) var gamma: Weight?, beta: Weight?
    public private(set) var movingMean: Weight?, movingVariance: Weight?

    public init(momentum: Float = 0.99, epsilon: Float = 0.001, center: Bool = true, scale: Bool = true,
                gammaInitializer: Initializer = .ones, betaInitializer: Initializer = .zeros,
                movingMeanInitializer: Initializer = .zeros, movingVarianceInitializer: Initializer = .ones,
                name: String = "batch_normalization") {
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.gammaInitializer = gammaInitializer
        self.betaInitializer = betaInitializer
        self.movingMeanInitializer = movingMeanInitializer
        self.movingVarianceInitializer = movingVarianceInitializer
        self.name = name
    }

    public convenience init(reader: inout LayerConfigReader) throws {
        try reader.require("axis", equals: -1, alternatives: [[-1], [3], 3])
        try reader.require("synchronized", equals: false)
        try reader.require("renorm", equals: false)
        try reader.require("fused", equals: true, alternatives: [false])
        try reader.requireNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
                               "virtual_batch_size", "adjustment")
        reader.ignore("renorm_clipping", "renorm_momentum")
        self.init(momentum: Float(try reader.double("momentum", default: 0.99)),
                  epsilon: Float(try reader.double("epsilon", default: 0.001)),
                  center: try reader.bool("center", default: true), scale: try reader.bool("scale", default: true),
                  gammaInitializer: try Initializer.read(&reader, key: "gamma_initializer", default: .ones),
                  betaInitializer: try Initializer.read(&reader, key: "beta_initializer", default: .zeros),
                  movingMeanInitializer: try Initializer.read(&reader, key: "moving_mean_initializer", default: .zeros),
                  movingVarianceInitializer: try Initializer.read(&reader, key: "moving_variance_initializer", default: .ones),
                  name: reader.layerName)
    }

    public func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int] {
        guard let channels = inputShape.last else {
            throw NeuralNetError.incompatibleShape(layer: name, inputShape: inputShape, reason: "has no channel axis")
        }
        if scale { gamma = Weight(name: "gamma", value: gammaInitializer.make([channels], generator: &generator)) }
        if center { beta = Weight(name: "beta", value: betaInitializer.make([channels], generator: &generator)) }
        movingMean = Weight(name: "moving_mean", value: movingMeanInitializer.make([channels], generator: &generator),
                            trainable: false)
        movingVariance = Weight(name: "moving_variance",
                                value: movingVarianceInitializer.make([channels], generator: &generator), trainable: false)
        return inputShape
    }

    public func call(_ input: Tensor, training: Bool) -> Tensor {
        guard let movingMean, let movingVariance else { preconditionFailure("BatchNormalization '\(name)' called before build") }
        if training {
            let (output, statistics) = input.batchNormalized(gamma: gamma?.value, beta: beta?.value, epsilon: epsilon)
            for c in 0..<movingMean.value.count {
                movingMean.value.pointer[c] = movingMean.value.pointer[c] * momentum + statistics.mean[c] * (1 - momentum)
                movingVariance.value.pointer[c] =
                    movingVariance.value.pointer[c] * momentum + statistics.variance[c] * (1 - momentum)
            }
            return output
        }
        return input.batchNormalized(mean: movingMean.value.values, variance: movingVariance.value.values,
                                     gamma: gamma?.value, beta: beta?.value, epsilon: epsilon)
    }

    public var weights: [Weight] { [gamma, beta, movingMean, movingVariance].compactMap { $0 } }

    public var config: [String: JSONValue] {
        ["name": .string(name), "trainable": true, "axis": -1, "momentum": .number(Double(momentum)),
         "epsilon": .number(Double(epsilon)), "center": .bool(center), "scale": .bool(scale),
         "beta_initializer": betaInitializer.config, "gamma_initializer": gammaInitializer.config,
         "moving_mean_initializer": movingMeanInitializer.config,
         "moving_variance_initializer": movingVarianceInitializer.config,
         "beta_regularizer": nil, "gamma_regularizer": nil, "beta_constraint": nil, "gamma_constraint": nil,
         "synchronized": false]
    }
}
