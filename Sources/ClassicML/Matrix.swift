import CBLAS

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
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let n = transposeOther ? other.rows : other.columns
        precondition(k == (transposeOther ? other.columns : other.rows), "Matrix product: inner sizes differ")
        var out = [Double](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return Matrix(rows: m, columns: n, values: out) }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(CblasRowMajor, transposeSelf ? CblasTrans : CblasNoTrans,
                                transposeOther ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                a.baseAddress, Int32(columns), b.baseAddress, Int32(other.columns), 0,
                                c.baseAddress, Int32(n))
                }
            }
        }
        return Matrix(rows: m, columns: n, values: out)
    }
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
