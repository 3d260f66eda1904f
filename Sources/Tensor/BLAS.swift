import CBLAS

/// Single-precision matrix products through OpenBLAS.
public enum BLAS {
    /// C (m×n) = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k.
    /// `lda`/`ldb` are the row strides of A and B as stored.
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // OpenBLAS leaves C untouched for k == 0; the product is zero.
            for row in 0..<m {
                let cRow = c + row * ldc
                for column in 0..<n { cRow[column] = beta == 0 ? 0 : beta * cRow[column] }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Threads OpenBLAS uses for one product.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
