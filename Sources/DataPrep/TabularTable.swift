// Typed tabular data: one column per header name, numeric or text, with
// missing cells (blanks) kept as NaN (numeric) or nil (text).

public struct TabularColumn: Sendable {
    public enum Kind: String, Sendable, Codable {
        case numeric, text
    }

    public let name: String
    public let kind: Kind
    /// Numeric columns: the values, NaN where the cell was empty.
    public let numbers: [Double]
    /// Text columns: the cells, nil where empty.
    public let texts: [String?]

    /// Infers the kind: numeric when every non-empty cell parses as a finite number.
    public init(name: String, cells: [String?]) {
        self.name = name
        var numbers: [Double] = []
        numbers.reserveCapacity(cells.count)
        var isNumeric = true
        for cell in cells {
            guard let cell else { numbers.append(.nan); continue }
            guard let value = Double(cell), value.isFinite else { isNumeric = false; break }
            numbers.append(value)
        }
        if isNumeric {
            kind = .numeric
            self.numbers = numbers
            texts = []
        } else {
            kind = .text
            self.numbers = []
            texts = cells
        }
    }

    public init(name: String, numbers: [Double]) {
        self.name = name
        kind = .numeric
        self.numbers = numbers
        texts = []
    }

    public var count: Int { kind == .numeric ? numbers.count : texts.count }

    /// Whether row `row` is empty.
    public func isMissing(_ row: Int) -> Bool {
        kind == .numeric ? numbers[row].isNaN : texts[row] == nil
    }

    /// The cell as text (numbers in their shortest form), nil when empty.
    public func text(_ row: Int) -> String? {
        switch kind {
        case .text: return texts[row]
        case .numeric: return numbers[row].isNaN ? nil : TabularColumn.format(numbers[row])
        }
    }

    /// "3" for whole numbers, else Swift's shortest round-tripping form.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

public struct TabularTable: Sendable {
    public var columns: [TabularColumn]
    public let rowCount: Int
    /// The file the table came from, for error messages.
    public let source: String

    public init(columns: [TabularColumn], rowCount: Int, source: String) {
        self.columns = columns
        self.rowCount = rowCount
        self.source = source
    }

    /// A typed view of an all-numeric table.
    public init(numeric table: NumericTable) {
        var columns: [TabularColumn] = []
        columns.reserveCapacity(table.columnCount)
        table.values.withUnsafeBufferPointer { values in
            for column in 0..<table.columnCount {
                var numbers = [Double](repeating: 0, count: table.rowCount)
                for row in 0..<table.rowCount { numbers[row] = Double(values[row * table.columnCount + column]) }
                columns.append(TabularColumn(name: table.columnNames[column], numbers: numbers))
            }
        }
        self.init(columns: columns, rowCount: table.rowCount, source: table.source)
    }

    public var columnNames: [String] { columns.map(\.name) }

    public func column(named name: String) throws -> TabularColumn {
        guard let column = columns.first(where: { $0.name == name }) else {
            throw DataError.missingColumn(path: source, name: name, available: columnNames)
        }
        return column
    }

    /// The table without the named column (when present).
    public func removing(_ name: String) -> TabularTable {
        TabularTable(columns: columns.filter { $0.name != name }, rowCount: rowCount, source: source)
    }
}
