// Errors raised while loading tabular or IDX data. Every message names the
// file and, where it applies, the line, data row and column, plus what was
// expected and what was found, so the user can fix the input directly.
//
// Row numbering convention (used everywhere in DataPrep):
//   - "line N" is the 1-based physical line of the file; the header is line 1.
//   - "data row R" is the 1-based index of the record among data rows
//     (blank lines are skipped and are not data rows).

public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Where a cell sits in a CSV file.
    public struct CellLocation: Equatable, Sendable {
        public var line: Int
        public var dataRow: Int
        public var column: String
        /// 1-based column position.
        public var columnIndex: Int

        public init(line: Int, dataRow: Int, column: String, columnIndex: Int) {
            self.line = line
            self.dataRow = dataRow
            self.column = column
            self.columnIndex = columnIndex
        }
    }

    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case emptyFile(path: String)
    case missingHeader(path: String, firstLine: String)
    case emptyHeader(path: String)
    case duplicateColumn(path: String, name: String, firstIndex: Int, secondIndex: Int)
    case noDataRows(path: String)
    case raggedRow(path: String, line: Int, dataRow: Int, cells: Int, expected: Int)
    case notANumber(path: String, at: CellLocation, text: String)
    case emptyCell(path: String, at: CellLocation)
    case notFinite(path: String, at: CellLocation, text: String, isNaN: Bool)
    case outOfFloatRange(path: String, at: CellLocation, text: String)
    case missingColumn(path: String, name: String, available: [String])

    case idxTooShort(path: String, size: Int, needed: Int)
    case idxCompressed(path: String)
    case idxBadMagic(path: String, found: [UInt8])
    case idxUnknownType(path: String, code: UInt8)
    case idxNoDimensions(path: String)
    case idxTooLarge(path: String, shape: [Int])
    case idxSizeMismatch(path: String, shape: [Int], expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): file not found"
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason))"
        case .emptyFile(let path):
            return "\(path): the file is empty; expected a header row naming the columns, then numeric data rows"
        case .missingHeader(let path, let firstLine):
            return "\(path): line 1 ('\(Self.preview(firstLine))') looks like data, not a header; "
                + "add a first line naming the columns, e.g. 'label,pixel1,pixel2,…'"
        case .emptyHeader(let path):
            return "\(path): line 1 (the header) is blank; expected comma-separated column names"
        case .duplicateColumn(let path, let name, let first, let second):
            return "\(path): the header names column '\(name)' twice (columns \(first) and \(second)); column names must be unique"
        case .noDataRows(let path):
            return "\(path): the file has a header but no data rows"
        case .raggedRow(let path, let line, let row, let cells, let expected):
            return "\(path): line \(line) (data row \(row)) has \(cells) cell\(cells == 1 ? "" : "s"), the header has \(expected)"
        case .notANumber(let path, let at, let text):
            return "\(path): \(Self.describe(at)): '\(Self.preview(text))' is not a number"
        case .emptyCell(let path, let at):
            return "\(path): \(Self.describe(at)) is empty; clean or impute it first"
        case .notFinite(let path, let at, let text, let isNaN):
            return "\(path): \(Self.describe(at)): '\(text)' is \(isNaN ? "NaN" : "infinite"); clean or impute it first"
        case .outOfFloatRange(let path, let at, let text):
            return "\(path): \(Self.describe(at)): '\(Self.preview(text))' is outside the Float32 range (about ±3.4e38)"
        case .missingColumn(let path, let name, let available):
            var message = "\(path): no column named '\(name)'"
            if let near = available.first(where: { $0.lowercased() == name.lowercased() }) {
                message += " (did you mean '\(near)'?)"
            }
            let shown = available.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            let more = available.count > 8 ? ", … (\(available.count) columns in all)" : ""
            return message + "; available columns: \(shown)\(more)"
        case .idxTooShort(let path, let size, let needed):
            return "\(path): IDX file is \(size) bytes, too short for its header (needs at least \(needed))"
        case .idxCompressed(let path):
            return "\(path): the file is gzip-compressed; decompress it first (gunzip \(path))"
        case .idxBadMagic(let path, let found):
            let hex = found.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
            return "\(path): not an IDX file: expected the magic number to start with bytes 00 00, found \(hex)"
        case .idxUnknownType(let path, let code):
            return "\(path): unknown IDX element type 0x\(String(code, radix: 16).leftPadded(to: 2)); "
                + "expected 08 (u8), 09 (i8), 0B (i16), 0C (i32), 0D (f32) or 0E (f64)"
        case .idxNoDimensions(let path):
            return "\(path): IDX header declares 0 dimensions; expected at least 1"
        case .idxTooLarge(let path, let shape):
            return "\(path): IDX shape \(shape) is too large to address"
        case .idxSizeMismatch(let path, let shape, let expected, let actual):
            let detail = actual < expected
                ? "the file is truncated (\(expected - actual) bytes missing)"
                : "the file has \(actual - expected) unexpected trailing bytes"
            return "\(path): IDX shape \(shape) needs a file of \(expected) bytes, found \(actual): \(detail)"
        }
    }

    private static func describe(_ at: CellLocation) -> String {
        "line \(at.line) (data row \(at.dataRow)), column '\(at.column)' (#\(at.columnIndex))"
    }

    private static func preview(_ text: String) -> String {
        text.count <= 60 ? text : String(text.prefix(57)) + "…"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
