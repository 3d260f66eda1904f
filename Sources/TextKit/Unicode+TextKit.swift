// Unicode helpers shared by the tokenizers: UTF-8 decoding into scalar arrays and
// character classes as the tokenizer regexes see them (\p{L}, \p{N}, \s).

/// Character class used by the GPT-2 style pre-tokenizer scanner.
enum ScalarClass: UInt8 {
    case other = 0       // [^\s\p{L}\p{N}]
    case letter = 1      // \p{L}: Lu Ll Lt Lm Lo
    case number = 2      // \p{N}: Nd Nl No
    case whitespace = 3  // \s: Unicode White_Space
}

enum UnicodeClass {
    /// Classes of the ASCII range.
    static let ascii: [ScalarClass] = (0..<128).map { v -> ScalarClass in
        switch v {
        case 9...13, 32: return .whitespace
        case 48...57: return .number
        case 65...90, 97...122: return .letter
        default: return .other
        }
    }

    /// Classes of the Basic Multilingual Plane, computed once.
    static let bmp: [ScalarClass] = (0..<0x10000).map { v -> ScalarClass in
        v < 128 ? ascii[v] : classifySlow(UInt32(v))
    }

    @inline(__always)
    static func classify(_ v: UInt32) -> ScalarClass {
        if v < 0x10000 { return bmp[Int(v)] }
        return classifySlow(v)
    }

    static func classifySlow(_ v: UInt32) -> ScalarClass {
        guard let s = Unicode.Scalar(v) else { return .other }
        let p = s.properties
        if p.isWhitespace { return .whitespace }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }
}

enum UTF8Scan {
    /// Decodes well-formed UTF-8 (as stored by `String`) into scalar values and the byte
    /// offset at which each begins; `offsets` gets one extra entry, the end offset.
    @inline(__always)
    static func decode(_ buf: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int,
                       scalars: inout [UInt32], offsets: inout [Int32]) {
        scalars.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        var i = lo
        while i < hi {
            let b0 = UInt32(buf[i])
            offsets.append(Int32(i))
            if b0 < 0x80 {
                scalars.append(b0); i += 1
            } else if b0 < 0xE0 {
                scalars.append((b0 & 0x1F) << 6 | UInt32(buf[i + 1] & 0x3F)); i += 2
            } else if b0 < 0xF0 {
                scalars.append((b0 & 0x0F) << 12 | UInt32(buf[i + 1] & 0x3F) << 6 | UInt32(buf[i + 2] & 0x3F)); i += 3
            } else {
                scalars.append((b0 & 0x07) << 18 | UInt32(buf[i + 1] & 0x3F) << 12
                               | UInt32(buf[i + 2] & 0x3F) << 6 | UInt32(buf[i + 3] & 0x3F)); i += 4
            }
        }
        offsets.append(Int32(hi))
    }

    /// Appends the UTF-8 encoding of a scalar value.
    @inline(__always)
    static func append(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}

/// GPT-2 byte-to-unicode table: printable Latin-1 bytes map to themselves, the other 68 bytes
/// to U+0100 upwards in byte order (space → Ġ U+0120, newline → Ċ U+010A).
public enum ByteLevel {
    /// Scalar value standing for each byte.
    public static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// Inverse of `byteToScalar` (scalar value → byte), indexed by scalar value below 324.
    static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in byteToScalar.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The byte-level string of raw bytes (e.g. `[0x20, 0x61]` → "Ġa").
    public static func encode(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(byteToScalar[Int(b)])!) }
        return String(s)
    }

    /// Raw bytes of a byte-level string; nil if it holds a character outside the table.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            let v = Int(s.value)
            guard v < scalarToByte.count, scalarToByte[v] >= 0 else { return nil }
            out.append(UInt8(scalarToByte[v]))
        }
        return out
    }
}
