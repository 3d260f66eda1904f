import Foundation

/// Batch normalization over every axis but the last (channels_last).
extension Tensor {
    public struct BatchStatistics {
        /// (channels) per-channel mean and biased variance of the batch.
        public let mean: [Float]
        public let variance: [Float]
    }

    /// Training mode: normalizes with the batch's own statistics and returns
    /// them (for the moving averages). `gamma`/`beta` are (channels) or nil
    /// when the layer does not scale/center.
    public func batchNormalized(gamma: Tensor?, beta: Tensor?, epsilon: Float) -> (Tensor, BatchStatistics) {
        let channels = shape.last ?? 1
        let rows = count / Swift.max(channels, 1)
        var mean = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        for row in 0..<rows {
            let x = pointer + row * channels
            for c in 0..<channels { mean[c] += Double(x[c]) }
        }
        for c in 0..<channels { mean[c] /= Double(Swift.max(rows, 1)) }
        for row in 0..<rows {
            let x = pointer + row * channels
            for c in 0..<channels { let d = Double(x[c]) - mean[c]; squares[c] += d * d }
        }
        let variance = squares.map { Float($0 / Double(Swift.max(rows, 1))) }
        let statistics = BatchStatistics(mean: mean.map { Float($0) }, variance: variance)
        let output = normalize(mean: statistics.mean, variance: variance, gamma: gamma, beta: beta,
                               epsilon: epsilon, batchStatistics: true)
        return (output, statistics)
    }

    /// Inference mode: normalizes with the given (moving) statistics.
    public func batchNormalized(mean: [Float], variance: [Float], gamma: Tensor?, beta: Tensor?, epsilon: Float) -> Tensor {
        normalize(mean: mean, variance: variance, gamma: gamma, beta: beta, epsilon: epsilon, batchStatistics: false)
    }

    private func normalize(mean: [Float], variance: [Float], gamma: Tensor?, beta: Tensor?,
                           epsilon: Float, batchStatistics: Bool) -> Tensor {
        let channels = shape.last ?? 1
        let rows = count / Swift.max(channels, 1)
        let inverseDeviation = variance.map { 1 / ($0 + epsilon).squareRoot() }
        let normalized = TensorStorage(uninitializedCount: count)  // x̂
        let output = TensorStorage(uninitializedCount: count)
        for row in 0..<rows {
            let x = pointer + row * channels, xHat = normalized.pointer + row * channels
            let y = output.pointer + row * channels
            for c in 0..<channels {
                xHat[c] = (x[c] - mean[c]) * inverseDeviation[c]
                y[c] = xHat[c] * (gamma?.pointer[c] ?? 1) + (beta?.pointer[c] ?? 0)
            }
        }
        var inputs: [Tensor] = [self]
        if let gamma { inputs.append(gamma) }
        if let beta { inputs.append(beta) }
        return Tensor.result(shape: shape, storage: output, inputs: inputs) { upstream in
            var sumGradient = [Float](repeating: 0, count: channels)       // Σ dy
            var sumGradientXHat = [Float](repeating: 0, count: channels)   // Σ dy·x̂
            for row in 0..<rows {
                let dy = upstream.pointer + row * channels, xHat = normalized.pointer + row * channels
                for c in 0..<channels { sumGradient[c] += dy[c]; sumGradientXHat[c] += dy[c] * xHat[c] }
            }
            var gradients: [Tensor?] = []
            if self.requiresGrad {
                let dx = TensorStorage(uninitializedCount: self.count)
                let m = Float(rows)
                for row in 0..<rows {
                    let dy = upstream.pointer + row * channels, xHat = normalized.pointer + row * channels
                    let out = dx.pointer + row * channels
                    for c in 0..<channels {
                        let scale = (gamma?.pointer[c] ?? 1) * inverseDeviation[c]
                        out[c] = batchStatistics
                            ? scale / m * (m * dy[c] - sumGradient[c] - xHat[c] * sumGradientXHat[c])
                            : scale * dy[c]
                    }
                }
                gradients.append(Tensor(shape: self.shape, storage: dx))
            } else {
                gradients.append(nil)
            }
            if gamma != nil { gradients.append(Tensor(shape: [channels], values: sumGradientXHat)) }
            if beta != nil { gradients.append(Tensor(shape: [channels], values: sumGradient)) }
            return gradients
        }
    }
}
