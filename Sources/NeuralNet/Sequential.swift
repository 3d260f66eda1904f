import Tensor

/// A linear stack of layers (`keras.Sequential`), built for a fixed input
/// shape. Weights are created from `seed`, layer by layer.
public final class Sequential {
    public var name: String
    /// Without the batch dimension.
    public let inputShape: [Int]
    public private(set) var outputShape: [Int]
    public let layers: [Layer]

    public init(inputShape: [Int], layers: [Layer], seed: UInt64 = 0, name: String = "sequential") throws {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw NeuralNetError.invalidModel("input shape \(inputShape) must have positive dimensions")
        }
        var layers = layers
        if !(layers.first is InputLayer) { layers.insert(InputLayer(shape: inputShape), at: 0) }
        Sequential.assignUniqueNames(layers)
        var generator = RandomGenerator(seed: seed)
        var shape = inputShape
        for layer in layers { shape = try layer.build(inputShape: shape, generator: &generator) }
        self.name = name
        self.inputShape = inputShape
        self.outputShape = shape
        self.layers = layers
    }

    /// Keras-style names ("dense", "dense_1", …) for layers without one, and
    /// a suffix for duplicates.
    static func assignUniqueNames(_ layers: [Layer]) {
        var used = Set<String>()
        var counters: [String: Int] = [:]
        for layer in layers {
            var candidate = layer.name
            if candidate.isEmpty || used.contains(candidate) {
                let base = candidate.isEmpty ? snakeCase(layer.className) : candidate
                repeat {
                    let n = counters[base, default: 0]
                    counters[base] = n + 1
                    // Keras' sequence: "dense", "dense_1", "dense_2", …
                    candidate = n == 0 ? base : "\(base)_\(n)"
                } while used.contains(candidate)
            }
            layer.name = candidate
            used.insert(candidate)
        }
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for (index, character) in name.enumerated() {
            if character.isUppercase, index > 0, !(result.last?.isNumber ?? false) { result += "_" }
            result += character.lowercased()
        }
        return result
    }

    public func call(_ input: Tensor, training: Bool = false) -> Tensor {
        Sequential.run(layers[...], input, training: training)
    }

    /// Runs layers in order, fusing Conv2D + MaxPooling2D pairs (valid
    /// pooling, whose windows never see padding) into one cheaper equivalent.
    static func run(_ layers: ArraySlice<Layer>, _ input: Tensor, training: Bool) -> Tensor {
        var output = input
        var index = layers.startIndex
        while index < layers.endIndex {
            if let convolution = layers[index] as? Conv2D, index + 1 < layers.endIndex,
               let pool = layers[index + 1] as? MaxPooling2D, pool.padding == .valid,
               let fused = convolution.callFused(with: pool, output, training: training) {
                output = fused
                index += 2
                continue
            }
            output = layers[index].call(output, training: training)
            index += 1
        }
        return output
    }

    /// The output before a final softmax/sigmoid (and that activation), so
    /// that cross-entropy can be computed from logits.
    public func callReturningLogits(_ input: Tensor, training: Bool) -> (Tensor, Activation) {
        guard let last = layers.last as? ActivatedLayer, last.activation == .softmax || last.activation == .sigmoid else {
            return (call(input, training: training), .linear)
        }
        let hidden = Sequential.run(layers.dropLast(), input, training: training)
        return (last.callBeforeActivation(hidden, training: training), last.activation)
    }

    /// Every weight with its qualified name "layer/weight", in Keras order.
    public var namedWeights: [(name: String, weight: Weight)] {
        layers.flatMap { layer in layer.weights.map { ("\(layer.name)/\($0.name)", $0) } }
    }

    public var trainableWeights: [Weight] { namedWeights.map(\.weight).filter(\.trainable) }

    public var parameterCount: Int { namedWeights.reduce(0) { $0 + $1.weight.value.count } }
}
