/// One recorded op: its inputs and how to turn the output's gradient into
/// theirs. `backward` receives d(loss)/d(output) and returns one gradient per
/// input (nil for inputs that do not require gradients).
struct AutodiffNode {
    let inputs: [Tensor]
    let backward: (Tensor) -> [Tensor?]
}

public enum GradientMode {
    /// Whether ops record the graph on this task/thread (true unless inside `withoutGradients`).
    @TaskLocal static var isEnabled = true
}

/// Runs `body` without recording the autodiff graph (inference, metrics,
/// optimizer updates).
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// The result of an op: records `backward` when any input requires
    /// gradients and recording is on.
    static func result(
        shape: [Int], storage: TensorStorage, inputs: [Tensor],
        backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        let result = Tensor(shape: shape, storage: storage)
        if GradientMode.isEnabled, inputs.contains(where: \.requiresGrad) {
            result.requiresGrad = true
            result.node = AutodiffNode(inputs: inputs, backward: backward)
        }
        return result
    }

    /// Reverse-mode differentiation of this scalar: fills `grad` of every
    /// tensor that requires gradients and contributed to it.
    public func backward() {
        precondition(count == 1, "backward() needs a scalar; shape is \(shape)")
        backward(seed: Tensor.filled(shape, with: 1))
    }

    /// Reverse-mode differentiation with an explicit upstream gradient
    /// (d(loss)/d(self)).
    public func backward(seed: Tensor) {
        precondition(seed.shape == shape, "seed shape \(seed.shape) differs from \(shape)")
        // Topological order by iterative depth-first search (graphs can be deep).
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node?.inputs ?? [] where input.requiresGrad {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        withoutGradients {
            accumulateGradient(seed)
            for tensor in order.reversed() {
                guard let node = tensor.node, let upstream = tensor.grad else { continue }
                let inputGradients = node.backward(upstream)
                for (input, gradient) in zip(node.inputs, inputGradients) {
                    if let gradient, input.requiresGrad { input.accumulateGradient(gradient) }
                }
                // Intermediate results give up their gradient and history once used.
                tensor.grad = nil
                tensor.node = nil
            }
        }
    }

    func accumulateGradient(_ gradient: Tensor) {
        precondition(gradient.shape == shape, "gradient shape \(gradient.shape) differs from \(shape)")
        if let existing = grad {
            // Never add in place: the existing gradient's storage may be shared.
            grad = existing + gradient
        } else {
            grad = gradient
        }
    }

    /// Forgets the gradient (optimizers call this after each step).
    public func zeroGradient() { grad = nil }
}
