// A general CSV reader for tabular data: typed columns (numeric or text,
// inferred per column), empty cells kept as missing values, RFC 4180 quotes.
//
// `CSVReader.readNumeric` stays the fast path for large all-numeric files
// (MNIST, ≥ 4 MB): `TabularCSV.parse` tries it first and falls back to this
// parser when a cell is text or blank. Smaller files are parsed here in
// Double precision, so that small tabular sets keep every digit.

public enum TabularCSV {
    /// Reads a CSV with a header row into typed columns.
    public static func read(path: String) throws -> TabularTable {
        let bytes = try FileBytes.read(path: path)
        return try parse(bytes, source: path)
    }

    /// Parses CSV text already in memory; `source` names it in errors.
    public static func parse(_ bytes: [UInt8], source: String) throws -> TabularTable {
        if bytes.count >= 4 << 20, let numeric = try? CSVReader.parseNumeric(bytes, source: source) {
            return TabularTable(numeric: numeric)
        }
        let records = try splitRecords(bytes, source: source)
        guard let header = records.first else { throw DataError.emptyFile(path: source) }
        let names = header.cells.map { $0.trimmingCharacters(in: " \t\r") }
        guard !(names.count == 1 && names[0].isEmpty) else { throw DataError.emptyHeader(path: source) }
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if let first = seen[name] {
                throw DataError.duplicateColumn(path: source, name: name, firstIndex: first + 1, secondIndex: index + 1)
            }
            seen[name] = index
        }
        let rows = records.dropFirst().filter { !($0.cells.count == 1 && $0.cells[0].isEmpty) }
        guard !rows.isEmpty else { throw DataError.noDataRows(path: source) }
        var cells = [[String?]](repeating: [], count: names.count)
        for index in cells.indices { cells[index].reserveCapacity(rows.count) }
        for (rowIndex, record) in rows.enumerated() {
            guard record.cells.count == names.count else {
                throw DataError.raggedRow(path: source, line: record.line, dataRow: rowIndex + 1,
                                          cells: record.cells.count, expected: names.count)
            }
            for (column, text) in record.cells.enumerated() {
                let trimmed = text.trimmingCharacters(in: " \t\r")
                cells[column].append(trimmed.isEmpty ? nil : trimmed)
            }
        }
        let columns = zip(names, cells).map { TabularColumn(name: $0.0, cells: $0.1) }
        return TabularTable(columns: columns, rowCount: rows.count, source: source)
    }

    struct Record {
        var cells: [String]
        var line: Int
    }

    /// Splits bytes into records of cells, honouring double-quoted cells
    /// (which may hold commas, doubled quotes and newlines).
    static func splitRecords(_ bytes: [UInt8], source: String) throws -> [Record] {
        var records: [Record] = []
        var cells: [String] = []
        var cell: [UInt8] = []
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var index = 0
        // Skip a UTF-8 byte order mark.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        func endCell() {
            cells.append(String(decoding: cell, as: UTF8.self))
            cell.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        cell.append(byte)
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    cell.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") && cell.allSatisfy({ $0 == 0x20 }) {
                cell.removeAll()
                inQuotes = true
            } else if byte == UInt8(ascii: ",") {
                endCell()
            } else if byte == 0x0A {
                endCell()
                records.append(Record(cells: cells, line: recordLine))
                cells.removeAll()
                line += 1
                recordLine = line
            } else if byte != 0x0D {
                cell.append(byte)
            }
            index += 1
        }
        if inQuotes {
            throw DataError.unreadable(path: source, reason: "a quoted cell starting on line \(recordLine) is never closed")
        }
        if !cell.isEmpty || !cells.isEmpty {
            endCell()
            records.append(Record(cells: cells, line: recordLine))
        }
        return records
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
