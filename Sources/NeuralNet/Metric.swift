import Tensor

/// Keras metrics by name, accumulated over an epoch.
public enum Metric: String, CaseIterable, Sendable {
    case accuracy
    case sparseTopKCategoricalAccuracy = "sparse_top_k_categorical_accuracy"
    case meanAbsoluteError = "mae"
    case meanSquaredError = "mse"

    static let aliases: [String: Metric] = [
        "acc": .accuracy, "sparse_categorical_accuracy": .accuracy, "categorical_accuracy": .accuracy,
        "binary_accuracy": .accuracy, "top_k": .sparseTopKCategoricalAccuracy,
        "mean_absolute_error": .meanAbsoluteError, "mean_squared_error": .meanSquaredError,
    ]

    public init(kerasName: String) throws {
        let key = kerasName.lowercased()
        guard let metric = Metric(rawValue: key) ?? Metric.aliases[key] else {
            throw NeuralNetError.unknownName(kind: "metric", name: kerasName,
                                             known: ["loss"] + Metric.allCases.map(\.rawValue))
        }
        self = metric
    }

    /// The sum of this metric over the batch's samples (divide by the sample
    /// count for the mean). `outputs` are the model's post-activation outputs.
    public func total(outputs: Tensor, targets: Tensor, loss: Loss) -> Double {
        let rows = outputs.shape[0]
        let columns = outputs.count / Swift.max(rows, 1)
        switch self {
        case .accuracy:
            if columns == 1 || loss == .binaryCrossentropy {
                // Binary accuracy: threshold 0.5, elementwise, averaged per sample.
                var hits = 0
                for i in 0..<outputs.count where (outputs.pointer[i] > 0.5) == (targets.pointer[i] > 0.5) { hits += 1 }
                return Double(hits) / Double(Swift.max(columns, 1))
            }
            let predicted = outputs.argmaxOfLastAxis()
            let actual = loss.takesClassIndices ? (0..<rows).map { Int(targets.pointer[$0]) } : targets.reshaped(outputs.shape).argmaxOfLastAxis()
            return Double(zip(predicted, actual).filter { $0 == $1 }.count)
        case .sparseTopKCategoricalAccuracy:
            var hits = 0
            for row in 0..<rows {
                let label = Int(targets.pointer[row])
                let score = outputs.pointer[row * columns + label]
                var better = 0
                for j in 0..<columns where outputs.pointer[row * columns + j] > score { better += 1 }
                if better < 5 { hits += 1 }
            }
            return Double(hits)
        case .meanAbsoluteError, .meanSquaredError:
            var total = 0.0
            for i in 0..<outputs.count {
                let difference = Double(outputs.pointer[i] - targets.pointer[i])
                total += self == .meanAbsoluteError ? Swift.abs(difference) : difference * difference
            }
            return total / Double(Swift.max(columns, 1))
        }
    }
}
