// Byte-level parser for one numeric CSV cell, with no String allocation on
// the common path.
//
// Accepted cell grammar (ASCII):
//     cell   := ws* ( number | '"' ws* number ws* '"' ) ws*
//     number := [+-]? ( digits ( '.' digits? )? | '.' digits ) ( [eE] [+-]? digits )?
//     ws     := ' ' | '\t'
//
// Rounding is correct (round-to-nearest-even to Float32):
//   - m ≤ 2^24 and |e| ≤ 10: one exact Float multiply/divide (Clinger's fast path).
//   - m ≤ 2^53 and |e| ≤ 22: one exact Double operation, then narrowed to Float;
//     narrowing is only ambiguous when the Double lands exactly on a Float
//     halfway point, which is detected and sent to the slow path.
//   - anything else (more than 19 significant digits, large exponents,
//     subnormal results): Swift's correctly rounded Float(String) parser.

enum CSVNumberParser {
    enum Status: UInt8 {
        case ok
        case syntax
        case outOfRange
    }

    private static let floatPowers: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]
    private static let doublePowers: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses a cell starting at `p`, leaving `p` just past the cell's
    /// trailing whitespace (at the separator, line end or junk). The caller
    /// checks what follows.
    @inline(__always)
    static func parseCell(
        _ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ value: inout Float
    ) -> Status {
        skipSpaces(&p, end)
        if p < end && p.pointee == UInt8(ascii: "\"") {
            p += 1
            skipSpaces(&p, end)
            let status = parseNumber(&p, end, &value)
            if status != .ok { return status }
            skipSpaces(&p, end)
            guard p < end && p.pointee == UInt8(ascii: "\"") else { return .syntax }
            p += 1
            skipSpaces(&p, end)
            return .ok
        }
        let status = parseNumber(&p, end, &value)
        if status == .ok { skipSpaces(&p, end) }
        return status
    }

    @inline(__always)
    static func skipSpaces(_ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) {
        while p < end && (p.pointee == 0x20 || p.pointee == 0x09) { p += 1 }
    }

    @inline(__always)
    static func parseNumber(
        _ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ value: inout Float
    ) -> Status {
        let start = p
        var negative = false
        if p < end && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) {
            negative = p.pointee == UInt8(ascii: "-")
            p += 1
        }

        var mantissa: UInt64 = 0
        var significant = 0       // significant digits accumulated into mantissa
        var exponent = 0
        var sawDigit = false
        var truncated = false     // nonzero digits dropped beyond 19

        while p < end {
            let d = p.pointee &- 48
            if d >= 10 { break }
            sawDigit = true
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { significant += 1 }
            } else {
                exponent += 1
                if d != 0 { truncated = true }
            }
            p += 1
        }
        if p < end && p.pointee == UInt8(ascii: ".") {
            p += 1
            while p < end {
                let d = p.pointee &- 48
                if d >= 10 { break }
                sawDigit = true
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                p += 1
            }
        }
        if !sawDigit { return .syntax }

        if p < end && (p.pointee | 0x20) == UInt8(ascii: "e") {
            p += 1
            var exponentNegative = false
            if p < end && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) {
                exponentNegative = p.pointee == UInt8(ascii: "-")
                p += 1
            }
            var written = 0
            var sawExponentDigit = false
            while p < end {
                let d = p.pointee &- 48
                if d >= 10 { break }
                sawExponentDigit = true
                if written < 100_000 { written = written * 10 + Int(d) }
                p += 1
            }
            if !sawExponentDigit { return .syntax }
            exponent += exponentNegative ? -written : written
        }

        if mantissa == 0 && !truncated {
            value = negative ? -0.0 : 0.0
            return .ok
        }
        if !truncated {
            if exponent == 0 && mantissa <= 1 << 24 {
                let r = Float(mantissa)
                value = negative ? -r : r
                return .ok
            }
            if mantissa <= 1 << 24 && exponent >= -10 && exponent <= 10 {
                let m = Float(mantissa)
                let r = exponent >= 0 ? m * floatPowers[exponent] : m / floatPowers[-exponent]
                value = negative ? -r : r
                return .ok
            }
            if mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
                let m = Double(mantissa)
                let d = exponent >= 0 ? m * doublePowers[exponent] : m / doublePowers[-exponent]
                let lowBits = d.bitPattern & 0x1FFF_FFFF
                if d >= Double(Float.leastNormalMagnitude) && lowBits != 0x1000_0000 {
                    let r = Float(d)
                    if r.isInfinite { return .outOfRange }
                    value = negative ? -r : r
                    return .ok
                }
            }
        }
        return slowPath(start, p, &value)
    }

    private static func slowPath(
        _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ value: inout Float
    ) -> Status {
        let text = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
        guard let parsed = Float(text) else { return .syntax }
        if parsed.isInfinite { return .outOfRange }
        value = parsed
        return .ok
    }
}
