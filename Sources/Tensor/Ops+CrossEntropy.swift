import Foundation

/// Cross-entropy losses, mean over the batch. The `…FromLogits` forms fuse
/// the final softmax/sigmoid for stability, as Keras' TensorFlow backend does
/// when the model's last activation is softmax/sigmoid.
extension Tensor {
    /// Keras' clipping constant (`keras.config.epsilon()`).
    public static let lossEpsilon: Float = 1e-7

    /// logits (n, k), integer labels (n) → mean −log softmax(logits)[label].
    public func sparseSoftmaxCrossEntropy(labels: [Int32]) -> Tensor {
        let (rows, columns) = (shape[0], count / Swift.max(shape[0], 1))
        precondition(labels.count == rows, "\(labels.count) labels for \(rows) rows")
        let probabilities = TensorStorage(uninitializedCount: count)
        Tensor.softmaxRows(pointer, probabilities.pointer, rows: rows, columns: columns)
        var total: Double = 0
        for row in 0..<rows {
            let p = probabilities.pointer[row * columns + Int(labels[row])]
            total -= Double(Foundation.log(Swift.max(p, Float.leastNormalMagnitude)))
        }
        let loss = Float(total / Double(Swift.max(rows, 1)))
        return Tensor.result(shape: [], storage: TensorStorage([loss]), inputs: [self]) { upstream in
            let scale = upstream.item / Float(Swift.max(rows, 1))
            let gradient = Tensor(uninitializedShape: self.shape)
            for row in 0..<rows {
                for j in 0..<columns {
                    let index = row * columns + j
                    let target: Float = j == Int(labels[row]) ? 1 : 0
                    gradient.pointer[index] = (probabilities.pointer[index] - target) * scale
                }
            }
            return [gradient]
        }
    }

    /// logits (n, k), one-hot or soft targets (n, k).
    public func softmaxCrossEntropy(targets: Tensor) -> Tensor {
        let (rows, columns) = (shape[0], count / Swift.max(shape[0], 1))
        precondition(targets.shape == shape, "targets \(targets.shape) do not match logits \(shape)")
        let probabilities = TensorStorage(uninitializedCount: count)
        Tensor.softmaxRows(pointer, probabilities.pointer, rows: rows, columns: columns)
        var total: Double = 0
        for index in 0..<count {
            let p = Swift.max(probabilities.pointer[index], Float.leastNormalMagnitude)
            total -= Double(targets.pointer[index]) * Double(Foundation.log(p))
        }
        let loss = Float(total / Double(Swift.max(rows, 1)))
        return Tensor.result(shape: [], storage: TensorStorage([loss]), inputs: [self]) { upstream in
            let scale = upstream.item / Float(Swift.max(rows, 1))
            let gradient = Tensor(uninitializedShape: self.shape)
            for row in 0..<rows {
                var targetSum: Float = 0
                for j in 0..<columns { targetSum += targets.pointer[row * columns + j] }
                for j in 0..<columns {
                    let index = row * columns + j
                    gradient.pointer[index] = (probabilities.pointer[index] * targetSum - targets.pointer[index]) * scale
                }
            }
            return [gradient]
        }
    }

    /// logits (any shape), targets in [0, 1] of the same shape → mean binary
    /// cross-entropy of sigmoid(logits).
    public func sigmoidBinaryCrossEntropy(targets: Tensor) -> Tensor {
        precondition(targets.shape == shape, "targets \(targets.shape) do not match logits \(shape)")
        var total: Double = 0
        for index in 0..<count {
            let x = pointer[index], z = targets.pointer[index]
            // max(x, 0) − x·z + log(1 + e^−|x|)
            total += Double(Swift.max(x, 0) - x * z + Foundation.log1p(Foundation.exp(-Swift.abs(x))))
        }
        let n = Float(Swift.max(count, 1))
        let loss = Float(total) / n
        return Tensor.result(shape: [], storage: TensorStorage([loss]), inputs: [self]) { upstream in
            let scale = upstream.item / n
            let gradient = Tensor(uninitializedShape: self.shape)
            for index in 0..<self.count {
                let x = self.pointer[index]
                let s = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
                gradient.pointer[index] = (s - targets.pointer[index]) * scale
            }
            return [gradient]
        }
    }

    /// probabilities (n, k), integer labels: Keras' non-logit path
    /// (renormalize rows, clip to [ε, 1−ε], −log).
    public func sparseCategoricalCrossentropy(labels: [Int32]) -> Tensor {
        let columns = shape.last ?? 1
        let oneHot = Tensor.zeros(shape)
        for (row, label) in labels.enumerated() { oneHot.pointer[row * columns + Int(label)] = 1 }
        return categoricalCrossentropy(targets: oneHot)
    }

    /// probabilities (n, k), targets (n, k), Keras' non-logit path.
    public func categoricalCrossentropy(targets: Tensor) -> Tensor {
        let columns = shape.last ?? 1
        let rows = count / Swift.max(columns, 1)
        let rowSums = Tensor(uninitializedShape: shape)
        for row in 0..<rows {
            var total: Float = 0
            for j in 0..<columns { total += pointer[row * columns + j] }
            for j in 0..<columns { rowSums.pointer[row * columns + j] = total }
        }
        let normalized = (self / rowSums).clipped(Tensor.lossEpsilon, 1 - Tensor.lossEpsilon)
        return -((targets * normalized.log()).sum()).scaled(by: 1 / Float(Swift.max(rows, 1)))
    }

    /// probabilities and targets of the same shape, Keras' non-logit path.
    public func binaryCrossentropy(targets: Tensor) -> Tensor {
        let p = clipped(Tensor.lossEpsilon, 1 - Tensor.lossEpsilon)
        let ones = Tensor.filled(shape, with: 1)
        let terms = targets * p.log() + (ones - targets) * (ones - p).log()
        return -terms.mean()
    }
}
