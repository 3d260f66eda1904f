import Tensor

/// Optimizer state for checkpoints: each slot tensor named
/// "optimizer/<layer>/<weight>/<slot>" (Adam's "m" and "v", SGD's "momentum",
/// RMSprop's "velocity" and "momentum") plus "optimizer/iterations", so that a
/// resumed run continues exactly where the interrupted one stopped.
public struct OptimizerState {
    public static let prefix = "optimizer/"
    /// name → (shape, values)
    public var tensors: [(name: String, shape: [Int], values: [Float])]

    public init(tensors: [(name: String, shape: [Int], values: [Float])]) { self.tensors = tensors }
}

extension SlotStore {
    func export(_ weights: [(name: String, weight: Weight)], slotNames: [String]) -> [(name: String, shape: [Int], values: [Float])] {
        weights.flatMap { entry -> [(name: String, shape: [Int], values: [Float])] in
            guard let slots = existing(for: entry.weight) else { return [] }
            return zip(slotNames, slots).map { slotName, tensor in
                (OptimizerState.prefix + entry.name + "/" + slotName, tensor.shape, tensor.values)
            }
        }
    }

    func restore(_ state: [String: [Float]], _ weights: [(name: String, weight: Weight)], slotNames: [String]) throws {
        for entry in weights {
            let names = slotNames.map { OptimizerState.prefix + entry.name + "/" + $0 }
            let present = names.filter { state[$0] != nil }
            if present.isEmpty { continue }
            guard present.count == names.count else {
                throw NeuralNetError.invalidData("optimizer state for '\(entry.name)' is incomplete: has \(present), needs \(names)")
            }
            let slots = slots(for: entry.weight, count: names.count)
            for (name, slot) in zip(names, slots) {
                let values = state[name]!
                guard values.count == slot.count else {
                    throw NeuralNetError.invalidData("optimizer state '\(name)' has \(values.count) values; the weight has \(slot.count)")
                }
                values.withUnsafeBufferPointer { slot.pointer.update(from: $0.baseAddress!, count: values.count) }
            }
        }
    }
}

extension Optimizer {
    static var iterationsName: String { OptimizerState.prefix + "iterations" }
}

extension Adam {
    public func state(for weights: [(name: String, weight: Weight)]) -> OptimizerState {
        OptimizerState(tensors: [(Adam.iterationsName, [1], [Float(iterations)])]
                       + slotStore.export(weights, slotNames: ["m", "v"]))
    }

    public func restore(_ state: [String: [Float]], for weights: [(name: String, weight: Weight)]) throws {
        if let steps = state[Adam.iterationsName]?.first { iterations = Int(steps) }
        try slotStore.restore(state, weights, slotNames: ["m", "v"])
    }
}

extension SGD {
    public func state(for weights: [(name: String, weight: Weight)]) -> OptimizerState {
        OptimizerState(tensors: slotStore.export(weights, slotNames: ["momentum"]))
    }

    public func restore(_ state: [String: [Float]], for weights: [(name: String, weight: Weight)]) throws {
        try slotStore.restore(state, weights, slotNames: ["momentum"])
    }
}

extension RMSprop {
    public func state(for weights: [(name: String, weight: Weight)]) -> OptimizerState {
        OptimizerState(tensors: slotStore.export(weights, slotNames: ["velocity", "momentum"]))
    }

    public func restore(_ state: [String: [Float]], for weights: [(name: String, weight: Weight)]) throws {
        try slotStore.restore(state, weights, slotNames: ["velocity", "momentum"])
    }
}
