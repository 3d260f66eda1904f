/// Reductions to a scalar, and along the last axis.
extension Tensor {
    /// Σ of all elements (accumulated in Double for stability), shape [].
    public func sum() -> Tensor {
        Tensor.result(shape: [], storage: TensorStorage([sumOfElements()]), inputs: [self]) { upstream in
            [Tensor.filled(self.shape, with: upstream.item)]
        }
    }

    /// Mean of all elements, shape [].
    public func mean() -> Tensor {
        let n = Float(Swift.max(count, 1))
        return Tensor.result(shape: [], storage: TensorStorage([sumOfElements() / n]), inputs: [self]) { upstream in
            [Tensor.filled(self.shape, with: upstream.item / n)]
        }
    }

    /// Mean along the last axis: (…, n) → (…).
    public func meanOfLastAxis() -> Tensor {
        let columns = Swift.max(shape.last ?? 1, 1)
        let rows = count / columns
        let output = TensorStorage(uninitializedCount: rows)
        for row in 0..<rows {
            var total: Float = 0
            for j in 0..<columns { total += pointer[row * columns + j] }
            output.pointer[row] = total / Float(columns)
        }
        let outputShape = Array(shape.dropLast())
        return Tensor.result(shape: outputShape, storage: output, inputs: [self]) { upstream in
            let gradient = TensorStorage(uninitializedCount: self.count)
            for row in 0..<rows {
                let g = upstream.pointer[row] / Float(columns)
                for j in 0..<columns { gradient.pointer[row * columns + j] = g }
            }
            return [Tensor(shape: self.shape, storage: gradient)]
        }
    }

    /// Index of the largest element of each row of the last axis.
    public func argmaxOfLastAxis() -> [Int] {
        let columns = Swift.max(shape.last ?? 1, 1)
        return (0..<(count / columns)).map { row in
            let base = pointer + row * columns
            var best = 0
            for j in 1..<columns where base[j] > base[best] { best = j }
            return best
        }
    }
}
