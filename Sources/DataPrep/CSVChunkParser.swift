// The hot loop: parses a run of whole CSV lines into a dense row-major Float
// buffer. It stops at the first line it cannot parse and reports where that
// line starts; CSVLineDiagnosis then works out exactly what is wrong with it.
//
// Lines end in "\n" or "\r\n"; the final line may lack a terminator. Lines
// that are empty or hold only spaces/tabs are skipped and are not data rows.

enum CSVChunkParser {
    struct Failure {
        /// Byte offset of the failing line within the whole file.
        var lineStart: Int
        /// 0-based line index within the chunk (blank lines included).
        var line: Int
        /// 0-based data-row index within the chunk.
        var row: Int
    }

    struct Result {
        var rows = 0
        var lines = 0
        var failure: Failure?
    }

    /// Number of lines starting in `[start, end)`; an upper bound on its rows.
    static func countLines(base: UnsafePointer<UInt8>, start: Int, end: Int) -> Int {
        if start >= end { return 0 }
        var count = 0
        var p = base + start
        let stop = base + end
        while p < stop {
            if p.pointee == 0x0A { count += 1 }
            p += 1
        }
        if base[end - 1] != 0x0A { count += 1 }
        return count
    }

    static func parse(
        base: UnsafePointer<UInt8>, start: Int, end: Int,
        columns: Int, into out: UnsafeMutablePointer<Float>
    ) -> Result {
        var result = Result()
        var p = base + start
        let stop = base + end
        var target = out

        while p < stop {
            let lineStart = p
            var failed = false
            var column = 0
            while column < columns {
                var value: Float = 0
                if CSVNumberParser.parseCell(&p, stop, &value) != .ok {
                    failed = true
                    break
                }
                target[column] = value
                column += 1
                if column < columns {
                    if p < stop && p.pointee == UInt8(ascii: ",") {
                        p += 1
                    } else {
                        failed = true
                        break
                    }
                } else if p == stop {
                    break
                } else if p.pointee == 0x0A {
                    p += 1
                } else if p.pointee == 0x0D && (p + 1 == stop || p[1] == 0x0A) {
                    p += p + 1 == stop ? 1 : 2
                } else {
                    failed = true
                }
            }
            if failed {
                let lineEnd = endOfLine(lineStart, stop)
                if isBlank(lineStart, lineEnd) {
                    p = lineEnd < stop ? lineEnd + 1 : stop
                    result.lines += 1
                    continue
                }
                result.failure = Failure(lineStart: lineStart - base, line: result.lines, row: result.rows)
                return result
            }
            target += columns
            result.rows += 1
            result.lines += 1
        }
        return result
    }

    /// Position of the '\n' ending the line that starts at `p`, or `stop`.
    private static func endOfLine(_ p: UnsafePointer<UInt8>, _ stop: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var q = p
        while q < stop && q.pointee != 0x0A { q += 1 }
        return q
    }

    private static func isBlank(_ from: UnsafePointer<UInt8>, _ to: UnsafePointer<UInt8>) -> Bool {
        var q = from
        while q < to {
            let byte = q.pointee
            if byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
            q += 1
        }
        return true
    }
}
