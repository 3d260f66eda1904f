// Loads a numeric CSV (header row + numeric data rows) into a NumericTable.
//
// The file is read into memory with one read, the header parsed, and the
// data region split on line boundaries into chunks parsed in parallel
// straight into the output matrix. Each value depends only on its own cell,
// so the result is identical for any thread count. When several chunks fail,
// the error from the earliest line in the file is reported.

import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum CSVReader {
    /// Reads a numeric CSV file.
    /// - Parameters:
    ///   - path: the file; named in every error message.
    ///   - threadCount: 1 parses serially; anything else (or nil) splits
    ///     large files (≥ 2 MB) into line-aligned chunks parsed on all cores.
    public static func readNumeric(path: String, threadCount: Int? = nil) throws -> NumericTable {
        let bytes = try FileBytes.read(path: path)
        return try parseNumeric(bytes, source: path, threadCount: threadCount)
    }

    /// Parses CSV text already in memory; `source` names it in errors.
    public static func parseNumeric(_ bytes: [UInt8], source: String, threadCount: Int? = nil) throws -> NumericTable {
        let header = try CSVHeader.read(bytes, path: source)
        let columns = header.columnNames.count
        let threads = max(1, threadCount ?? min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        let chunks = chunkBounds(bytes, from: header.dataStart, pieces: threads)

        return try bytes.withUnsafeBufferPointer { buffer -> NumericTable in
            let base = buffer.baseAddress!
            // Pass 1: line counts give each chunk a disjoint slice of the output.
            var capacities = [Int](repeating: 0, count: chunks.count)
            capacities.withUnsafeMutableBufferPointer { caps in
                forEach(chunks.count, threads: threads) { i in
                    caps[i] = CSVChunkParser.countLines(base: base, start: chunks[i].lowerBound, end: chunks[i].upperBound)
                }
            }
            let capacityRows = capacities.reduce(0, +)

            var results = [CSVChunkParser.Result](repeating: .init(), count: chunks.count)
            var totalRows = 0
            let values = [Float](unsafeUninitializedCapacity: capacityRows * columns) { out, count in
                // Pass 2: parse each chunk into its slice.
                results.withUnsafeMutableBufferPointer { res in
                    forEach(chunks.count, threads: threads) { i in
                        let rowOffset = capacities[..<i].reduce(0, +)
                        res[i] = CSVChunkParser.parse(
                            base: base, start: chunks[i].lowerBound, end: chunks[i].upperBound,
                            columns: columns, into: out.baseAddress! + rowOffset * columns)
                    }
                }
                // Close gaps left by blank lines (rows < capacity), in order.
                var written = 0
                var slot = 0
                for (i, result) in results.enumerated() {
                    if result.failure != nil { break }
                    if written != slot && result.rows > 0 {
                        let dst = out.baseAddress! + written * columns
                        dst.update(from: out.baseAddress! + slot * columns, count: result.rows * columns)
                    }
                    written += result.rows
                    slot += capacities[i]
                }
                totalRows = written
                count = written * columns
            }

            var lineBase = 2  // the header is line 1
            var rowBase = 0
            for (i, result) in results.enumerated() {
                if let failure = result.failure {
                    throw CSVLineDiagnosis.diagnose(
                        bytes: bytes, lineStart: failure.lineStart, columnNames: header.columnNames,
                        path: source, line: lineBase + failure.line, dataRow: rowBase + failure.row + 1)
                }
                lineBase += capacities[i]
                rowBase += result.rows
            }
            if totalRows == 0 { throw DataError.noDataRows(path: source) }
            return NumericTable(columnNames: header.columnNames, rowCount: totalRows, values: values, source: source)
        }
    }

    /// Splits `[from, bytes.count)` into at most `pieces` ranges that each
    /// start at a line start. Small inputs stay in one piece.
    static func chunkBounds(_ bytes: [UInt8], from: Int, pieces: Int) -> [Range<Int>] {
        let length = bytes.count - from
        let minimumChunk = 1 << 20
        let count = max(1, min(pieces * 4, length / minimumChunk))
        var bounds: [Range<Int>] = []
        var start = from
        for k in 1...count {
            var end = k == count ? bytes.count : from + length * k / count
            if end < start { end = start }
            while end < bytes.count && end > start && bytes[end - 1] != 0x0A { end += 1 }
            if end > start || k == count { bounds.append(start..<end) }
            start = end
        }
        return bounds
    }

    private static func forEach(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        if threads == 1 || count == 1 {
            for i in 0..<count { body(i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }
}
