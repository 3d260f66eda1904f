// The inferred type and statistics of one column of a tabular data set, as
// the service reports it for an uploaded dataset.

public struct ColumnSchema: Codable, Equatable, Sendable {
    public enum ColumnType: String, Codable, Sendable {
        case integer, number, string, empty
    }

    public var name: String
    public var type: ColumnType
    /// Empty cells (and JSON nulls).
    public var missing: Int
    /// Numeric columns only.
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    /// Distinct non-missing values (counted up to `distinctLimit`).
    public var distinct: Int

    public static let distinctLimit = 100_000

    public init(name: String, type: ColumnType, missing: Int, min: Double?, max: Double?, mean: Double?, distinct: Int) {
        self.name = name
        self.type = type
        self.missing = missing
        self.min = min
        self.max = max
        self.mean = mean
        self.distinct = distinct
    }
}

/// Accumulates one column's statistics cell by cell.
struct ColumnSchemaBuilder {
    let name: String
    var missing = 0
    var numericCount = 0
    var allIntegers = true
    var sawText = false
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var sum = 0.0
    var distinctValues = Set<String>()

    init(name: String) { self.name = name }

    mutating func add(_ cell: String?) {
        guard let cell, !cell.isEmpty else {
            missing += 1
            return
        }
        if distinctValues.count < ColumnSchema.distinctLimit { distinctValues.insert(cell) }
        if !sawText, let value = Double(cell), value.isFinite {
            numericCount += 1
            if value != value.rounded() || cell.contains(".") || cell.contains("e") || cell.contains("E") { allIntegers = false }
            minimum = Swift.min(minimum, value)
            maximum = Swift.max(maximum, value)
            sum += value
        } else {
            sawText = true
        }
    }

    var schema: ColumnSchema {
        if sawText {
            return ColumnSchema(name: name, type: .string, missing: missing, min: nil, max: nil, mean: nil,
                                distinct: distinctValues.count)
        }
        if numericCount == 0 {
            return ColumnSchema(name: name, type: .empty, missing: missing, min: nil, max: nil, mean: nil, distinct: 0)
        }
        return ColumnSchema(name: name, type: allIntegers ? .integer : .number, missing: missing, min: minimum,
                            max: maximum, mean: sum / Double(numericCount), distinct: distinctValues.count)
    }
}
