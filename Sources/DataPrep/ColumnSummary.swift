// Summary statistics of one NumericTable column. Values are always present
// (the CSV reader rejects empty, NaN and infinite cells), so `missing` is 0;
// it is kept so callers can print a uniform summary.

public struct ColumnSummary: Equatable, Sendable {
    public var name: String
    public var min: Float
    public var max: Float
    public var mean: Double
    public var missing: Int
}

extension NumericTable {
    public func summary(column name: String) throws -> ColumnSummary {
        let c = try columnIndex(name)
        var lo = Float.infinity
        var hi = -Float.infinity
        var sum = 0.0
        for row in 0..<rowCount {
            let v = values[row * columnCount + c]
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
        }
        let mean = rowCount > 0 ? sum / Double(rowCount) : .nan
        return ColumnSummary(name: name, min: lo, max: hi, mean: mean, missing: 0)
    }
}
