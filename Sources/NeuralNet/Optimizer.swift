import Tensor

/// Updates trainable weights from their gradients (Keras 3 update rules and defaults).
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// Applies one step to every weight that has a gradient, then clears the gradients.
    func apply(to weights: [Weight])
    /// Keras' `optimizer.get_config()` subset, for model.json.
    var config: [String: JSONValue] { get }
    /// Slot tensors and step count, named after `weights` (checkpoints).
    func state(for weights: [(name: String, weight: Weight)]) -> OptimizerState
    /// Restores what `state(for:)` exported; absent slots start fresh.
    func restore(_ state: [String: [Float]], for weights: [(name: String, weight: Weight)]) throws
}

public enum OptimizerFactory {
    public static let names = ["sgd", "adam", "adamw", "rmsprop"]

    /// An optimizer by Keras name; `learningRate` nil means Keras' default.
    public static func make(_ name: String, learningRate: Float?) throws -> Optimizer {
        switch name.lowercased() {
        case "sgd": return SGD(learningRate: learningRate ?? 0.01)
        case "adam": return Adam(learningRate: learningRate ?? 0.001)
        case "adamw": return Adam(learningRate: learningRate ?? 0.001, weightDecay: 0.004)
        case "rmsprop": return RMSprop(learningRate: learningRate ?? 0.001)
        default: throw NeuralNetError.unknownName(kind: "optimizer", name: name, known: names)
        }
    }
}

/// Per-weight optimizer state, created lazily and kept in weight order.
final class SlotStore {
    private var slots: [ObjectIdentifier: [Tensor]] = [:]

    func existing(for weight: Weight) -> [Tensor]? { slots[ObjectIdentifier(weight)] }

    func slots(for weight: Weight, count: Int) -> [Tensor] {
        if let existing = slots[ObjectIdentifier(weight)] { return existing }
        let fresh = (0..<count).map { _ in Tensor.zeros(weight.value.shape) }
        slots[ObjectIdentifier(weight)] = fresh
        return fresh
    }
}
