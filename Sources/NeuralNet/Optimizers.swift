import CKernels
import Foundation
import Tensor

/// `keras.optimizers.Adam` (and AdamW with `weightDecay`):
/// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², w ← w − α·m/(√v + ε),
/// α = lr·√(1−β2ᵗ)/(1−β1ᵗ). AdamW first decays w ← w − lr·λ·w.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public internal(set) var iterations = 0
    let slotStore = SlotStore()

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public func apply(to weights: [Weight]) {
        iterations += 1
        let t = Double(iterations)
        let alpha = Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t))
        for weight in weights {
            guard let gradient = weight.value.grad else { continue }
            let state = slotStore.slots(for: weight, count: 2)
            let (w, g, m, v) = (weight.value.pointer, gradient.pointer, state[0].pointer, state[1].pointer)
            Parallel.forChunks(weight.value.count, grain: Tensor.elementwiseGrain, alignment: 16) { range in
                let i = range.lowerBound
                ork_adam_update(w + i, g + i, m + i, v + i, range.count, Float(alpha), beta1, beta2, epsilon,
                                learningRate, weightDecay)
            }
            weight.value.zeroGradient()
        }
    }

    public var config: [String: JSONValue] {
        ["name": .string(weightDecay == 0 ? "adam" : "adamw"), "learning_rate": .number(Double(learningRate)),
         "beta_1": .number(Double(beta1)), "beta_2": .number(Double(beta2)), "epsilon": .number(Double(epsilon)),
         "weight_decay": weightDecay == 0 ? nil : .number(Double(weightDecay))]
    }
}

/// `keras.optimizers.SGD`: with momentum μ, m ← μ·m − lr·g and
/// w ← w + m (or w + μ·m − lr·g with Nesterov); plain w ← w − lr·g otherwise.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float
    public let nesterov: Bool
    let slotStore = SlotStore()

    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public func apply(to weights: [Weight]) {
        let lr = learningRate, mu = momentum
        for weight in weights {
            guard let gradient = weight.value.grad else { continue }
            let w = weight.value.pointer, g = gradient.pointer
            if mu == 0 {
                for i in 0..<weight.value.count { w[i] -= lr * g[i] }
            } else {
                let m = slotStore.slots(for: weight, count: 1)[0].pointer
                for i in 0..<weight.value.count {
                    m[i] = mu * m[i] - lr * g[i]
                    w[i] += nesterov ? mu * m[i] - lr * g[i] : m[i]
                }
            }
            weight.value.zeroGradient()
        }
    }

    public var config: [String: JSONValue] {
        ["name": "sgd", "learning_rate": .number(Double(learningRate)), "momentum": .number(Double(momentum)),
         "nesterov": .bool(nesterov)]
    }
}

/// `keras.optimizers.RMSprop`: v ← ρ·v + (1−ρ)·g², w ← w − lr·g/√(v + ε)
/// (with momentum: m ← μ·m + lr·g/√(v + ε), w ← w − m).
public final class RMSprop: Optimizer {
    public var learningRate: Float
    public let rho: Float, momentum: Float, epsilon: Float
    let slotStore = SlotStore()

    public init(learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public func apply(to weights: [Weight]) {
        let lr = learningRate
        for weight in weights {
            guard let gradient = weight.value.grad else { continue }
            let state = slotStore.slots(for: weight, count: 2)
            let w = weight.value.pointer, g = gradient.pointer, v = state[0].pointer, m = state[1].pointer
            for i in 0..<weight.value.count {
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i]
                let increment = lr * g[i] / (v[i] + epsilon).squareRoot()
                if momentum > 0 {
                    m[i] = momentum * m[i] + increment
                    w[i] -= m[i]
                } else {
                    w[i] -= increment
                }
            }
            weight.value.zeroGradient()
        }
    }

    public var config: [String: JSONValue] {
        ["name": "rmsprop", "learning_rate": .number(Double(learningRate)), "rho": .number(Double(rho)),
         "momentum": .number(Double(momentum)), "epsilon": .number(Double(epsilon))]
    }
}
