// Explains why a CSV data line was rejected by the fast parser: wrong cell
// count, empty cell, NaN/inf, out-of-range value or plain non-number. Runs
// once per failed load, so clarity matters more than speed here.

enum CSVLineDiagnosis {
    static func diagnose(
        bytes: [UInt8], lineStart: Int, columnNames: [String],
        path: String, line: Int, dataRow: Int
    ) -> DataError {
        var lineEnd = lineStart
        while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
        var content = bytes[lineStart..<lineEnd]
        if content.last == 0x0D { content = content.dropLast() }

        let cells = CSVCellText.split(content)
        if cells.count != columnNames.count {
            return .raggedRow(path: path, line: line, dataRow: dataRow, cells: cells.count, expected: columnNames.count)
        }
        for (index, cell) in cells.enumerated() {
            let at = DataError.CellLocation(
                line: line, dataRow: dataRow, column: columnNames[index], columnIndex: index + 1)
            if let problem = problem(in: cell, path: path, at: at) { return problem }
        }
        // Every cell parses on its own: the line must hold a stray byte the
        // splitter tolerates (for example a lone '\r'); report the whole line.
        let text = String(decoding: content, as: UTF8.self)
        let at = DataError.CellLocation(line: line, dataRow: dataRow, column: columnNames[0], columnIndex: 1)
        return .notANumber(path: path, at: at, text: text)
    }

    /// nil when the cell is a valid finite number.
    static func problem(in cell: ArraySlice<UInt8>, path: String, at: DataError.CellLocation) -> DataError? {
        let status: CSVNumberParser.Status = Array(cell).withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return .syntax }
            var p = base
            var value: Float = 0
            let status = CSVNumberParser.parseCell(&p, base + buffer.count, &value)
            if status == .ok && p != base + buffer.count { return .syntax }
            return status
        }
        if status == .ok { return nil }

        let text = CSVCellText.unquoted(cell)
        if text.isEmpty { return .emptyCell(path: path, at: at) }
        var word = Substring(text.lowercased())
        if word.first == "+" || word.first == "-" { word = word.dropFirst() }
        if word == "nan" { return .notFinite(path: path, at: at, text: text, isNaN: true) }
        if word == "inf" || word == "infinity" { return .notFinite(path: path, at: at, text: text, isNaN: false) }
        if status == .outOfRange { return .outOfFloatRange(path: path, at: at, text: text) }
        return .notANumber(path: path, at: at, text: text)
    }
}
