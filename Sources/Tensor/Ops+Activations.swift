import CKernels
import Foundation

/// Activation functions with Keras 3 semantics.
extension Tensor {
    public func relu() -> Tensor {
        let output = TensorStorage(uninitializedCount: count)
        let input = pointer
        Parallel.forChunks(count, grain: Tensor.elementwiseGrain, alignment: 16) { range in
            ork_relu_forward(input + range.lowerBound, output.pointer + range.lowerBound, range.count)
        }
        let outputTensor = Tensor(shape: shape, storage: output)
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            let gradient = TensorStorage(uninitializedCount: upstream.count)
            Parallel.forChunks(upstream.count, grain: Tensor.elementwiseGrain, alignment: 16) { range in
                ork_relu_backward(outputTensor.pointer + range.lowerBound, upstream.pointer + range.lowerBound,
                                  gradient.pointer + range.lowerBound, range.count)
            }
            return [Tensor(shape: upstream.shape, storage: gradient)]
        }
    }

    /// x for x ≥ 0, slope·x below (Keras 3's default slope is 0.2).
    public func leakyRelu(negativeSlope: Float = 0.2) -> Tensor {
        let output = Tensor.map(self) { $0 >= 0 ? $0 : negativeSlope * $0 }
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            let derivative = Tensor.map(self) { $0 >= 0 ? 1 : negativeSlope }
            return [upstream * Tensor(shape: self.shape, storage: derivative)]
        }
    }

    public func sigmoid() -> Tensor {
        let output = Tensor.map(self) { x in
            // Split by sign so exp never overflows.
            x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        }
        let y = Tensor(shape: shape, storage: output)
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            [Tensor(shape: upstream.shape, storage: Tensor.zipMap(upstream, y) { g, s in g * s * (1 - s) })]
        }
    }

    public func tanh() -> Tensor {
        let output = Tensor.map(self) { Foundation.tanh($0) }
        let y = Tensor(shape: shape, storage: output)
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            [Tensor(shape: upstream.shape, storage: Tensor.zipMap(upstream, y) { g, t in g * (1 - t * t) })]
        }
    }

    /// GELU; exact (erf) by default as Keras 3, or the tanh approximation.
    public func gelu(approximate: Bool = false) -> Tensor {
        let x = self
        if approximate {
            let c: Float = 0.7978845608028654  // sqrt(2/pi)
            let output = Tensor.map(x) { v in 0.5 * v * (1 + Foundation.tanh(c * (v + 0.044715 * v * v * v))) }
            return Tensor.result(shape: shape, storage: output, inputs: [x]) { upstream in
                let derivative = Tensor.map(x) { v -> Float in
                    let inner = c * (v + 0.044715 * v * v * v)
                    let t = Foundation.tanh(inner)
                    return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)
                }
                return [upstream * Tensor(shape: x.shape, storage: derivative)]
            }
        }
        let output = Tensor.map(x) { v in 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
        return Tensor.result(shape: shape, storage: output, inputs: [x]) { upstream in
            let derivative = Tensor.map(x) { v -> Float in
                0.5 * (1 + erff(v * 0.70710678118654752)) + v * Foundation.exp(-0.5 * v * v) * 0.3989422804014327
            }
            return [upstream * Tensor(shape: x.shape, storage: derivative)]
        }
    }

    /// Softmax over the last axis.
    public func softmax() -> Tensor {
        let columns = shape.last ?? 1
        let rows = count / Swift.max(columns, 1)
        let output = TensorStorage(uninitializedCount: count)
        Tensor.softmaxRows(pointer, output.pointer, rows: rows, columns: columns)
        let y = Tensor(shape: shape, storage: output)
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            // dx = y ⊙ (g − Σ g·y) per row.
            let gradient = TensorStorage(uninitializedCount: upstream.count)
            for row in 0..<rows {
                let g = upstream.pointer + row * columns, s = y.pointer + row * columns
                let dx = gradient.pointer + row * columns
                var dot: Float = 0
                for j in 0..<columns { dot += g[j] * s[j] }
                for j in 0..<columns { dx[j] = s[j] * (g[j] - dot) }
            }
            return [Tensor(shape: upstream.shape, storage: gradient)]
        }
    }

    static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows {
            let input = x + row * columns, output = y + row * columns
            var maximum = -Float.infinity
            for j in 0..<columns { maximum = Swift.max(maximum, input[j]) }
            var total: Float = 0
            for j in 0..<columns {
                let e = Foundation.exp(input[j] - maximum)
                output[j] = e
                total += e
            }
            let inverse = 1 / total
            for j in 0..<columns { output[j] *= inverse }
        }
    }
}
