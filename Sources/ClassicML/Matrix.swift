import CBLAS
import Tensor

/// A dense row-major Double matrix: the features of classical estimators.
/// Double, not Float, so that solvers reach scikit-learn's optima.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// (rows, columns) row-major
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "Matrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.init(rows: rows, columns: columns, values: [Double](repeating: value, count: rows * columns))
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ index: Int) -> ArraySlice<Double> { values[(index * columns)..<((index + 1) * columns)] }

    /// The rows at `indices`, in that order.
    public func gatherRows<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        var out = [Double](repeating: 0, count: indices.count * columns)
        out.withUnsafeMutableBufferPointer { target in
            values.withUnsafeBufferPointer { source in
                for (position, row) in indices.enumerated() {
                    (target.baseAddress! + position * columns)
                        .update(from: source.baseAddress! + row * columns, count: columns)
                }
            }
        }
        return Matrix(rows: indices.count, columns: columns, values: out)
    }

    public var transposed: Matrix {
        var out = [Double](repeating: 0, count: values.count)
        for row in 0..<rows { for column in 0..<columns { out[column * rows + row] = values[row * columns + column] } }
        return Matrix(rows: columns, columns: rows, values: out)
    }

    /// Column means (columns).
    public var columnMeans: [Double] {
        var sums = [Double](repeating: 0, count: columns)
        for row in 0..<rows { for column in 0..<columns { sums[column] += values[row * columns + column] } }
        return sums.map { $0 / Double(max(rows, 1)) }
    }

    /// self (m×k) · other (k×n), or with either transposed, through OpenBLAS dgemm.
    /// Large products are split across Orchard's pool by rows (or columns) of
    /// the result, one single-threaded dgemm per part (as Tensor's BLAS.gemm
    /// does), so results do not depend on the thread count and estimators may
    /// call dgemm from their own parallel tasks.
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let n = transposeOther ? other.rows : other.columns
        precondition(k == (transposeOther ? other.columns : other.rows), "Matrix product: inner sizes differ")
        var out = [Double](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return Matrix(rows: m, columns: n, values: out) }
        let (lda, ldb) = (columns, other.columns)
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    let (a, b, c) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    guard m * n * k >= 1 << 18, Parallel.threadCount > 1 else {
                        serialDGEMM(transposeSelf, transposeOther, m, n, k, a, lda, b, ldb, c, n)
                        return
                    }
                    if m >= n {
                        Parallel.forChunks(m, grain: 8) { part in
                            serialDGEMM(transposeSelf, transposeOther, part.count, n, k,
                                        transposeSelf ? a + part.lowerBound : a + part.lowerBound * lda, lda, b, ldb,
                                        c + part.lowerBound * n, n)
                        }
                    } else {
                        Parallel.forChunks(n, grain: 8) { part in
                            serialDGEMM(transposeSelf, transposeOther, m, part.count, k, a, lda,
                                        transposeOther ? b + part.lowerBound * ldb : b + part.lowerBound, ldb,
                                        c + part.lowerBound, n)
                        }
                    }
                }
            }
        }
        return Matrix(rows: m, columns: n, values: out)
    }
}

/// OpenBLAS runs single-threaded in Orchard: parallelism comes from Orchard's pool.
private let serialBLAS: Void = openblas_set_num_threads(1)

/// C (m×n, row stride ldc) = op(A) · op(B) by one single-threaded dgemm call.
@inline(__always)
func serialDGEMM(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
                 _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                 _ c: UnsafeMutablePointer<Double>, _ ldc: Int, beta: Double = 0) {
    _ = serialBLAS
    cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

@inline(__always)
func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
    var sum = 0.0
    for i in 0..<count { sum += a[i] * b[i] }
    return sum
}

@inline(__always)
func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
    var sum = 0.0
    for i in 0..<count {
        let d = a[i] - b[i]
        sum += d * d
    }
    return sum
}

/// The upper triangle of C (n×n, row stride ldc) = A·Aᵀ (A n×k) by one single-threaded dsyrk call.
func serialDSYRK(_ n: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
    _ = serialBLAS
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(k), 1, a, Int32(lda), 0, c, Int32(ldc))
}

/// y = op(A)·v + beta·y for A (m×n, row-major, packed) by one single-threaded dgemv call.
func serialDGEMV(_ transpose: Bool, _ m: Int, _ n: Int, _ a: UnsafePointer<Double>, _ v: UnsafePointer<Double>,
                 _ y: UnsafeMutablePointer<Double>, beta: Double) {
    _ = serialBLAS
    cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(n), v, 1, beta, y, 1)
}
