import Tensor

/// A named weight of a layer. Trainable weights are updated by optimizers;
/// the others (batch-norm moving statistics) by the layer itself.
public final class Weight {
    /// Keras' name within the layer: "kernel", "bias", "gamma", "moving_mean"…
    public let name: String
    public var value: Tensor
    public let trainable: Bool

    public init(name: String, value: Tensor, trainable: Bool = true) {
        self.name = name
        self.value = value
        self.trainable = trainable
        value.requiresGrad = trainable
    }
}

/// A Keras-style layer: weights are created in `build(inputShape:)` once the
/// input shape is known; `call(_:training:)` computes. Shapes exclude the
/// batch dimension.
public protocol Layer: AnyObject {
    /// Keras' `class_name`.
    static var className: String { get }
    /// Unique within a model (Keras' `name`); weight names derive from it.
    var name: String { get set }
    /// Creates the weights for this input shape and returns the output shape;
    /// throws when the layer cannot take that shape.
    func build(inputShape: [Int], generator: inout RandomGenerator) throws -> [Int]
    func call(_ input: Tensor, training: Bool) -> Tensor
    /// Weights in Keras' `get_weights()` order.
    var weights: [Weight] { get }
    /// The layer's Keras config (for `model.json` and Keras' `model_from_json`).
    var config: [String: JSONValue] { get }
}

extension Layer {
    public var weights: [Weight] { [] }
    public var className: String { Self.className }
}

/// Layers that end in an activation; losses fuse a final softmax/sigmoid
/// with cross-entropy by asking for the pre-activation output.
public protocol ActivatedLayer: Layer {
    var activation: Activation { get }
    func callBeforeActivation(_ input: Tensor, training: Bool) -> Tensor
}
