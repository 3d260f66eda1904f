import CBLAS
import CKernels

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
        _ = singleThreaded
        // Large products are split across Orchard's pool by rows or columns
        // of C; each part is one single-threaded OpenBLAS call. Splitting
        // never changes the order of a dot product's terms, so results do
        // not depend on the thread count.
        let work = m * n * k
        guard work >= parallelThreshold, Parallel.threadCount > 1 else {
            serialGemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if m >= n {
            Parallel.forChunks(m, grain: 4) { rows in
                let aPart = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
                serialGemm(transposeA, transposeB, rows.count, n, k, alpha, aPart, lda, b, ldb, beta,
                           c + rows.lowerBound * ldc, ldc)
            }
        } else {
            Parallel.forChunks(n, grain: 16, alignment: 16) { columns in
                let bPart = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
                serialGemm(transposeA, transposeB, m, columns.count, k, alpha, a, lda, bPart, ldb, beta,
                           c + columns.lowerBound, ldc)
            }
        }
    }

    /// Multiply-adds below which a product runs on the calling thread only.
    static let parallelThreshold = 1 << 18

    @inline(__always)
    static func serialGemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        // Skinny products (a small dimension, as in a network's training step)
        // go to Orchard's unpacked kernels: OpenBLAS packs the large operand
        // on every call, which costs more than the product at these shapes.
        if alpha == 1, beta == 0 || beta == 1, useSkinnyKernels, min(m, n, k) <= skinnyLimit,
           !(transposeA && transposeB) {
            let accumulate: Int32 = beta == 1 ? 1 : 0
            switch (transposeA, transposeB) {
            case (false, false): ork_gemm_nn(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
            case (true, false): ork_gemm_tn(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
            default: ork_gemm_nt(m, n, k, a, lda, b, ldb, c, ldc, accumulate)
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Largest "small" dimension for which Orchard's own kernels are used.
    static let skinnyLimit = 256
    /// Only with vector units: the portable reference is far slower than OpenBLAS.
    static var useSkinnyKernels: Bool { InstructionSet.active != .scalar }

    /// OpenBLAS runs single-threaded: Orchard parallelises around it, and two
    /// pools on two cores would oversubscribe them.
    static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Threads OpenBLAS itself uses for one call (1: Orchard splits products).
    public static var threadCount: Int {
        _ = singleThreaded
        return Int(openblas_get_num_threads())
    }
}
