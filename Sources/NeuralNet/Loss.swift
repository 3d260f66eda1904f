import Tensor

/// Keras losses by name; each is the mean over the batch ("sum_over_batch_size").
public enum Loss: String, CaseIterable, Sendable {
    case sparseCategoricalCrossentropy = "sparse_categorical_crossentropy"
    case categoricalCrossentropy = "categorical_crossentropy"
    case binaryCrossentropy = "binary_crossentropy"
    case meanSquaredError = "mse"
    case meanAbsoluteError = "mae"

    static let aliases: [String: Loss] = [
        "mean_squared_error": .meanSquaredError, "meansquarederror": .meanSquaredError,
        "mean_absolute_error": .meanAbsoluteError, "meanabsoluteerror": .meanAbsoluteError,
        "sparsecategoricalcrossentropy": .sparseCategoricalCrossentropy,
        "categoricalcrossentropy": .categoricalCrossentropy, "binarycrossentropy": .binaryCrossentropy,
    ]

    public init(kerasName: String) throws {
        let key = kerasName.lowercased()
        guard let loss = Loss(rawValue: key) ?? Loss.aliases[key] else {
            throw NeuralNetError.unknownName(kind: "loss", name: kerasName, known: Loss.allCases.map(\.rawValue))
        }
        self = loss
    }

    /// Whether targets are class indices (one per sample).
    public var takesClassIndices: Bool { self == .sparseCategoricalCrossentropy }

    /// Runs the model on `input` and returns the loss and the model's
    /// (post-activation) outputs. A final softmax/sigmoid is fused with the
    /// matching cross-entropy, as Keras' TensorFlow backend does.
    public func evaluate(model: Sequential, input: Tensor, targets: Tensor, training: Bool) -> (loss: Tensor, outputs: Tensor) {
        switch self {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy, .binaryCrossentropy:
            let (logits, activation) = model.callReturningLogits(input, training: training)
            if activation == .softmax, self != .binaryCrossentropy {
                let outputs = withoutGradients { logits.detached().softmax() }
                let loss = self == .sparseCategoricalCrossentropy
                    ? logits.sparseSoftmaxCrossEntropy(labels: Loss.classIndices(targets))
                    : logits.softmaxCrossEntropy(targets: targets.reshaped(logits.shape))
                return (loss, outputs)
            }
            if activation == .sigmoid, self == .binaryCrossentropy {
                let outputs = withoutGradients { logits.detached().sigmoid() }
                return (logits.sigmoidBinaryCrossEntropy(targets: targets.reshaped(logits.shape)), outputs)
            }
            let outputs = activation.apply(logits)
            return (compute(outputs: outputs, targets: targets), outputs)
        case .meanSquaredError, .meanAbsoluteError:
            let outputs = model.call(input, training: training)
            return (compute(outputs: outputs, targets: targets), outputs)
        }
    }

    /// The loss of given outputs (probabilities for cross-entropies).
    public func compute(outputs: Tensor, targets: Tensor) -> Tensor {
        switch self {
        case .sparseCategoricalCrossentropy: outputs.sparseCategoricalCrossentropy(labels: Loss.classIndices(targets))
        case .categoricalCrossentropy: outputs.categoricalCrossentropy(targets: targets.reshaped(outputs.shape))
        case .binaryCrossentropy: outputs.binaryCrossentropy(targets: targets.reshaped(outputs.shape))
        case .meanSquaredError: (outputs - targets.reshaped(outputs.shape)).squared().mean()
        case .meanAbsoluteError: (outputs - targets.reshaped(outputs.shape)).absolute().mean()
        }
    }

    static func classIndices(_ targets: Tensor) -> [Int32] {
        (0..<targets.count).map { Int32(targets.pointer[$0]) }
    }
}
