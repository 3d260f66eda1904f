// A table of text cells read from CSV (RFC 4180 quoting) or JSON Lines, for
// schema inference and previews of files whose columns need not be numeric.
// Numeric training data goes through CSVReader.readNumeric instead.

import Foundation

public struct TextTable: Sendable {
    public var columnNames: [String]
    /// Rows of cells; nil is a missing value (a JSON null or absent key).
    public var rows: [[String?]]

    public init(columnNames: [String], rows: [[String?]]) {
        self.columnNames = columnNames
        self.rows = rows
    }

    /// Per-column type and statistics.
    public func inferSchema() -> [ColumnSchema] {
        var builders = columnNames.map { ColumnSchemaBuilder(name: $0) }
        for row in rows {
            for index in builders.indices { builders[index].add(index < row.count ? row[index] : nil) }
        }
        return builders.map(\.schema)
    }

    /// Parses CSV text: a header row, then data rows with as many cells.
    /// `source` names the file in errors.
    public static func parseCSV(_ data: Data, source: String, limit: Int? = nil) throws -> TextTable {
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError.unreadable(path: source, reason: "not UTF-8 text")
        }
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return iterator.next()
        }
        func endRecord() {
            record.append(field)
            field = ""
            fieldWasQuoted = false
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
            record = []
        }
        while let scalar = next() {
            if let limit, records.count > limit { break }
            if inQuotes {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                    } else { inQuotes = false }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                record.append(field)
                field = ""
                fieldWasQuoted = false
            case "\r":
                break
            case "\n":
                endRecord()
            default:
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes {
            throw DataError.unreadable(path: source, reason: "a quoted field is not closed before the end of the file")
        }
        if !field.isEmpty || !record.isEmpty { endRecord() }
        guard let header = records.first else { throw DataError.unreadable(path: source, reason: "the file is empty") }
        var rows: [[String?]] = []
        rows.reserveCapacity(records.count - 1)
        for (offset, record) in records.dropFirst().enumerated() {
            guard record.count == header.count else {
                throw DataError.unreadable(path: source, reason: "line \(offset + 2) has \(record.count) fields; "
                                           + "the header has \(header.count)")
            }
            rows.append(record.map { $0 })
            if let limit, rows.count >= limit { break }
        }
        return TextTable(columnNames: header, rows: rows)
    }

    /// Parses JSON Lines: one JSON object per line; columns are the keys in
    /// order of first appearance. Nested values are kept as JSON text.
    public static func parseJSONLines(_ data: Data, source: String, limit: Int? = nil) throws -> TextTable {
        var columns: [String] = []
        var columnIndex: [String: Int] = [:]
        var objects: [[String: Any]] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw DataError.unreadable(path: source, reason: "line \(lineNumber) is not a JSON object")
            }
            // Key order of JSONSerialization is not the file's; sort for a stable schema.
            for key in object.keys.sorted() where columnIndex[key] == nil {
                columnIndex[key] = columns.count
                columns.append(key)
            }
            objects.append(object)
            if let limit, objects.count >= limit { break }
        }
        let rows: [[String?]] = objects.map { object in
            columns.map { key in
                guard let value = object[key], !(value is NSNull) else { return nil }
                if let string = value as? String { return string }
                if let number = value as? NSNumber { return number.stringValue }
                if let data = try? JSONSerialization.data(withJSONObject: value) { return String(decoding: data, as: UTF8.self) }
                return nil
            }
        }
        return TextTable(columnNames: columns, rows: rows)
    }
}
