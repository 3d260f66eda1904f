import CKernels

/// Matrix products and bias addition.
extension Tensor {
    /// (m, k) · (k, n) → (m, n).
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0],
                     "matmul: shapes \(shape) and \(other.shape) do not chain")
        let m = shape[0], k = shape[1], n = other.shape[1]
        let output = TensorStorage(uninitializedCount: m * n)
        BLAS.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k,
                  a: pointer, lda: k, b: other.pointer, ldb: n, c: output.pointer, ldc: n)
        return Tensor.result(shape: [m, n], storage: output, inputs: [self, other]) { upstream in
            var gradients: [Tensor?] = [nil, nil]
            if self.requiresGrad {
                // dA = dC · Bᵀ: (m, n)·(n, k)
                let gradient = Tensor(uninitializedShape: [m, k])
                BLAS.gemm(transposeA: false, transposeB: true, m: m, n: k, k: n,
                          a: upstream.pointer, lda: n, b: other.pointer, ldb: n, c: gradient.pointer, ldc: k)
                gradients[0] = gradient
            }
            if other.requiresGrad {
                // dB = Aᵀ · dC: (k, m)·(m, n)
                let gradient = Tensor(uninitializedShape: [k, n])
                BLAS.gemm(transposeA: true, transposeB: false, m: k, n: n, k: m,
                          a: self.pointer, lda: k, b: upstream.pointer, ldb: n, c: gradient.pointer, ldc: n)
                gradients[1] = gradient
            }
            return gradients
        }
    }

    /// Adds `bias` (shape [c]) along the last axis (size c).
    public func addingBias(_ bias: Tensor) -> Tensor {
        let columns = shape.last ?? 1
        precondition(bias.shape == [columns], "bias shape \(bias.shape) does not match last axis \(columns)")
        let rows = count / Swift.max(columns, 1)
        let output = TensorStorage(uninitializedCount: count)
        output.pointer.update(from: pointer, count: count)
        ork_add_bias_rows(output.pointer, bias.pointer, rows, columns)
        return Tensor.result(shape: shape, storage: output, inputs: [self, bias]) { upstream in
            var biasGradient: Tensor?
            if bias.requiresGrad {
                let gradient = Tensor(uninitializedShape: [columns])
                ork_bias_grad(upstream.pointer, gradient.pointer, rows, columns, 0)
                biasGradient = gradient
            }
            return [self.requiresGrad ? upstream : nil, biasGradient]
        }
    }
}
