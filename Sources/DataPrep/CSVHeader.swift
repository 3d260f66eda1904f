// Reads the header (line 1) of a numeric CSV: column names, comma-separated,
// optionally double-quoted, surrounding spaces trimmed. A UTF-8 byte-order
// mark is skipped. Quoted names may contain commas but not line breaks.

struct CSVHeader {
    var columnNames: [String]
    /// Byte offset where line 2 (the first data line) starts.
    var dataStart: Int

    static func read(_ bytes: [UInt8], path: String) throws -> CSVHeader {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
            throw DataError.emptyFile(path: path)
        }
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        var end = start
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        let dataStart = end < bytes.count ? end + 1 : end
        var line = bytes[start..<end]
        if line.last == 0x0D { line = line.dropLast() }
        if CSVCellText.isBlank(line) { throw DataError.emptyHeader(path: path) }

        let cells = CSVCellText.split(line)
        let looksNumeric = cells.allSatisfy { cell in
            let at = DataError.CellLocation(line: 1, dataRow: 0, column: "", columnIndex: 0)
            return CSVLineDiagnosis.problem(in: cell, path: path, at: at) == nil
        }
        if looksNumeric {
            throw DataError.missingHeader(path: path, firstLine: String(decoding: line, as: UTF8.self))
        }

        let names = cells.map(CSVCellText.unquoted)
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            if let first = seen[name] {
                throw DataError.duplicateColumn(path: path, name: name, firstIndex: first + 1, secondIndex: index + 1)
            }
            seen[name] = index
        }
        return CSVHeader(columnNames: names, dataStart: dataStart)
    }
}
