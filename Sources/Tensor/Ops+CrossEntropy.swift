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
        // −log softmax(x)[label] = logΣexp(x) − x[label]: finite however
        // small the probability (a clamped log p would stop at ~87).
        let normalizers = logSumExpRows(rows: rows, columns: columns)
        var total: Double = 0
        for row in 0..<rows {
            total += normalizers[row] - Double(pointer[row * columns + Int(labels[row])])
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
        let normalizers = logSumExpRows(rows: rows, columns: columns)
        var total: Double = 0
        for index in 0..<count {
            // −t·log softmax(x) = t·(logΣexp(x) − x)
            total += Double(targets.pointer[index]) * (normalizers[index / Swift.max(columns, 1)] - Double(pointer[index]))
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
        let normalized = rowNormalized().clipped(Tensor.lossEpsilon, 1 - Tensor.lossEpsilon)
        return -((targets * normalized.log()).sum()).scaled(by: 1 / Float(Swift.max(rows, 1)))
    }

    /// Each row of the last axis divided by its sum, q = p / Σp, with the
    /// gradient through the sum (as Keras differentiates its renormalization):
    /// dp_j = (dq_j − Σ_k dq_k·q_k) / Σp.
    func rowNormalized() -> Tensor {
        let columns = Swift.max(shape.last ?? 1, 1)
        let rows = count / columns
        var sums = [Float](repeating: 0, count: rows)
        let output = TensorStorage(uninitializedCount: count)
        for row in 0..<rows {
            let p = pointer + row * columns, q = output.pointer + row * columns
            for j in 0..<columns { sums[row] += p[j] }
            for j in 0..<columns { q[j] = p[j] / sums[row] }
        }
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            let gradient = TensorStorage(uninitializedCount: upstream.count)
            for row in 0..<rows {
                let g = upstream.pointer + row * columns, q = output.pointer + row * columns
                let dp = gradient.pointer + row * columns
                var dot: Float = 0
                for j in 0..<columns { dot += g[j] * q[j] }
                for j in 0..<columns { dp[j] = (g[j] - dot) / sums[row] }
            }
            return [Tensor(shape: upstream.shape, storage: gradient)]
        }
    }

    /// max(x) + log Σ exp(x − max(x)) of each row, in Double.
    func logSumExpRows(rows: Int, columns: Int) -> [Double] {
        (0..<rows).map { row in
            let x = pointer + row * columns
            var maximum = -Float.infinity
            for j in 0..<columns { maximum = Swift.max(maximum, x[j]) }
            var total: Double = 0
            for j in 0..<columns { total += Foundation.exp(Double(x[j] - maximum)) }
            return Double(maximum) + Foundation.log(total)
        }
    }

    /// probabilities and targets of the same shape, Keras' non-logit path.
    public func binaryCrossentropy(targets: Tensor) -> Tensor {
        let p = clipped(Tensor.lossEpsilon, 1 - Tensor.lossEpsilon)
        let ones = Tensor.filled(shape, with: 1)
        let terms = targets * p.log() + (ones - targets) * (ones - p).log()
        return -terms.mean()
    }
}
