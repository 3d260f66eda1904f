// Quote-aware splitting of one CSV line into cell texts. Used for the header
// and for diagnosing a data line that failed the fast parser; never on the
// hot path.

enum CSVCellText {
    /// Splits `line` (without its line terminator) on commas outside double
    /// quotes. Cells are returned raw (untrimmed, quotes kept).
    static func split(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var cells: [ArraySlice<UInt8>] = []
        var start = line.startIndex
        var inQuotes = false
        var i = line.startIndex
        while i < line.endIndex {
            let byte = line[i]
            if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if byte == UInt8(ascii: ","), !inQuotes {
                cells.append(line[start..<i])
                start = i + 1
            }
            i += 1
        }
        cells.append(line[start..<line.endIndex])
        return cells
    }

    /// Trims spaces/tabs and removes one pair of surrounding quotes,
    /// unescaping doubled quotes inside.
    static func unquoted(_ cell: ArraySlice<UInt8>) -> String {
        let bytes = trimmed(cell)
        if bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") {
            var unescaped: [UInt8] = []
            var previousWasQuote = false
            for byte in bytes.dropFirst().dropLast() {
                if byte == UInt8(ascii: "\""), previousWasQuote {
                    previousWasQuote = false  // second of a doubled quote: drop it
                    continue
                }
                previousWasQuote = byte == UInt8(ascii: "\"")
                unescaped.append(byte)
            }
            return String(decoding: unescaped, as: UTF8.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func trimmed(_ cell: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = cell.startIndex
        var hi = cell.endIndex
        while lo < hi, cell[lo] == 0x20 || cell[lo] == 0x09 { lo += 1 }
        while hi > lo, cell[hi - 1] == 0x20 || cell[hi - 1] == 0x09 { hi -= 1 }
        return cell[lo..<hi]
    }

    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
