// A dense numeric table loaded from CSV: column names plus a row-major
// Float32 matrix of shape (rowCount, columnCount).

public struct NumericTable: Sendable {
    public let columnNames: [String]
    public let rowCount: Int
    public let columnCount: Int
    /// Row-major values, `values[row * columnCount + column]`.
    public var values: [Float]
    /// The file (or name) the table came from; used in error messages.
    public let source: String

    public init(columnNames: [String], rowCount: Int, values: [Float], source: String) {
        precondition(values.count == rowCount * columnNames.count,
                     "NumericTable: \(values.count) values for \(rowCount) rows × \(columnNames.count) columns")
        self.columnNames = columnNames
        self.rowCount = rowCount
        self.columnCount = columnNames.count
        self.values = values
        self.source = source
    }

    /// 0-based position of a column, or a DataError naming the file and
    /// listing available columns.
    public func columnIndex(_ name: String) throws -> Int {
        guard let index = columnNames.firstIndex(of: name) else {
            throw DataError.missingColumn(path: source, name: name, available: columnNames)
        }
        return index
    }

    /// Separates the target column from the features.
    /// - Returns: features (rowCount, columnCount - 1) row-major without the
    ///   target column, the remaining column names in order, and the target
    ///   values (rowCount).
    public func split(target: String) throws -> (features: [Float], featureNames: [String], targets: [Float]) {
        let t = try columnIndex(target)
        let width = columnCount - 1
        var names = columnNames
        names.remove(at: t)
        var targets = [Float](repeating: 0, count: rowCount)
        let features = [Float](unsafeUninitializedCapacity: rowCount * width) { out, count in
            values.withUnsafeBufferPointer { src in
                targets.withUnsafeMutableBufferPointer { tgt in
                    for row in 0..<rowCount {
                        let from = src.baseAddress! + row * columnCount
                        let to = out.baseAddress! + row * width
                        if t > 0 { to.initialize(from: from, count: t) }
                        if t < width { (to + t).initialize(from: from + t + 1, count: width - t) }
                        tgt[row] = from[t]
                    }
                }
            }
            count = rowCount * width
        }
        return (features, names, targets)
    }
}
