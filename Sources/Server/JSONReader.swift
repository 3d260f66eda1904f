import Foundation
import NIOCore
import Platform

/// Parses request bodies (RFC 8259) straight from bytes into `JSON`.
/// Inference bodies are mostly numbers (a 28×28 image is 784 of them), and
/// Foundation's `JSONDecoder` through `JSONValue`'s `Decodable` conformance
/// costs tens of microseconds per number; this reads one in a few
/// nanoseconds. Strict about the grammar; nesting deeper than `maxDepth` is
/// refused rather than risking the stack.
enum JSONReader {
    static let maxDepth = 512

    struct SyntaxError: Error, CustomStringConvertible {
        let offset: Int
        let message: String
        var description: String { "\(message) at byte \(offset)" }
    }

    static func parse(_ data: Data) throws -> JSON {
        try data.withUnsafeBytes { try parse(bytes: $0) }
    }

    static func parse(_ buffer: ByteBuffer) throws -> JSON {
        try buffer.withUnsafeReadableBytes { try parse(bytes: $0) }
    }

    static func parse(bytes: UnsafeRawBufferPointer) throws -> JSON {
        var reader = Reader(bytes: bytes.bindMemory(to: UInt8.self))
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw reader.error("unexpected content after the JSON value") }
        return value
    }

    /// An Open Inference Protocol request with each input's `data` read
    /// straight into floats (no `JSON` value per number): the request without
    /// the `data` members, and per input its flattened values (nil when it
    /// has no `data`). Fails, for the caller to fall back to `parse` and its
    /// precise errors, on anything unusual (`data` not all numbers, no
    /// `inputs` array of objects).
    static func parseInferenceRequest(_ buffer: ByteBuffer) throws -> (request: JSON, data: [[Float]?]) {
        try buffer.withUnsafeReadableBytes { raw in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            reader.skipWhitespace()
            guard reader.current == UInt8(ascii: "{") else { throw reader.error("expected an object") }
            var data: [[Float]?] = []
            var members: [String: JSON] = [:]
            try reader.members(depth: 1) { reader, key in
                guard key == "inputs" else { return try reader.value(depth: 1) }
                guard reader.current == UInt8(ascii: "["), members["inputs"] == nil else { throw reader.error("expected one array of inputs") }
                var inputs: [JSON] = []
                try reader.elements(depth: 2) { reader in
                    guard reader.current == UInt8(ascii: "{") else { throw reader.error("expected an input object") }
                    var values: [Float]?
                    var input: [String: JSON] = [:]
                    try reader.members(depth: 3) { reader, field in
                        guard field == "data" else { return try reader.value(depth: 3) }
                        guard values == nil else { throw reader.error("duplicate data") }
                        var floats: [Float] = []
                        floats.reserveCapacity(1024)
                        try reader.numbers(into: &floats, depth: 4)
                        values = floats
                        return nil
                    } store: { input[$0] = input[$0] ?? $1 }
                    inputs.append(.object(input))
                    data.append(values)
                }
                return .array(inputs)
            } store: { members[$0] = members[$0] ?? $1 }
            reader.skipWhitespace()
            guard reader.index == reader.bytes.count else { throw reader.error("unexpected content after the JSON value") }
            return (.object(members), data)
        }
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ message: String) -> SyntaxError { SyntaxError(offset: index, message: message) }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> JSON {
            guard let byte = current else { throw error("unexpected end of JSON") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
            }
        }

        mutating func literal(_ word: StaticString, _ value: JSON) throws -> JSON {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                  memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else { throw error("invalid literal") }
            index += count
            return value
        }

        mutating func array(depth: Int) throws -> JSON {
            guard depth <= JSONReader.maxDepth else { throw error("nested deeper than \(JSONReader.maxDepth) levels") }
            index += 1
            var items: [JSON] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(items)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        mutating func object(depth: Int) throws -> JSON {
            guard depth <= JSONReader.maxDepth else { throw error("nested deeper than \(JSONReader.maxDepth) levels") }
            index += 1
            var members: [String: JSON] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
                index += 1
                skipWhitespace()
                let member = try value(depth: depth)
                if members[key] == nil { members[key] = member }  // the first of duplicates, as Foundation's decoder
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(members)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func string() throws -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw error("control character in a string") }
                index += 1
            }
            var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escape = current else { throw error("unterminated string") }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                throw error("unpaired UTF-16 surrogate")
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired UTF-16 surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(code) {
                            throw error("unpaired UTF-16 surrogate")
                        }
                        scalars.append(contentsOf: String(Character(Unicode.Scalar(code)!)).utf8)
                    default: throw error("invalid escape in a string")
                    }
                default:
                    if byte < 0x20 { throw error("control character in a string") }
                    scalars.append(byte)
                }
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("invalid \\u escape")
                }
                code = code << 4 | UInt32(digit)
                index += 1
            }
            return code
        }

        /// An object's members, each value read by `read` (at the value's
        /// first byte) and handed to `store` unless nil.
        mutating func members(depth: Int, read: (inout Reader, String) throws -> JSON?, store: (String, JSON) -> Void) throws {
            guard depth <= JSONReader.maxDepth else { throw error("nested deeper than \(JSONReader.maxDepth) levels") }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
                index += 1
                skipWhitespace()
                if let value = try read(&self, key) { store(key, value) }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        /// An array's elements, each read by `read` at its first byte.
        mutating func elements(depth: Int, read: (inout Reader) throws -> Void) throws {
            guard depth <= JSONReader.maxDepth else { throw error("nested deeper than \(JSONReader.maxDepth) levels") }
            index += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                try read(&self)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        /// A number, or arrays of them nested to any depth, appended flat.
        mutating func numbers(into values: inout [Float], depth: Int) throws {
            guard let byte = current else { throw error("unexpected end of JSON") }
            switch byte {
            case UInt8(ascii: "["):
                try elements(depth: depth) { reader in try reader.numbers(into: &values, depth: depth + 1) }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                values.append(Float(try number()))
            default:
                throw error("expected a number")
            }
        }

        static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

        /// A number per the JSON grammar. Up to 15 significant digits and a
        /// small exponent take the exact fast path (an integer times or over
        /// an exact power of ten rounds once); others go to `strtod`.
        mutating func number() throws -> Double {
            let start = index
            var negative = false
            if bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            var mantissa: UInt64 = 0
            var digits = 0
            guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
                throw error("expected a digit")
            }
            if first == UInt8(ascii: "0") {
                index += 1
                if let next = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) { throw error("leading zero in a number") }
            } else {
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(byte - UInt8(ascii: "0")) }
                    digits += 1
                    index += 1
                }
            }
            var fraction = 0
            if current == UInt8(ascii: ".") {
                index += 1
                guard let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                    throw error("expected a digit after the decimal point")
                }
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    if digits < 19 {
                        mantissa = mantissa &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
                        fraction += 1
                    }
                    if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                    index += 1
                }
            }
            var exponent = 0
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                var negativeExponent = false
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") {
                    negativeExponent = current == UInt8(ascii: "-")
                    index += 1
                }
                guard let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                    throw error("expected a digit in the exponent")
                }
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    if exponent < 100_000 { exponent = exponent * 10 + Int(byte - UInt8(ascii: "0")) }
                    index += 1
                }
                if negativeExponent { exponent = -exponent }
            }
            let scale = exponent - fraction
            if digits <= 15, abs(scale) <= 22 {
                let value = Double(mantissa)
                let result = scale >= 0 ? value * Reader.powersOfTen[scale] : value / Reader.powersOfTen[-scale]
                return negative ? -result : result
            }
            return try slowNumber(from: start)
        }

        func slowNumber(from start: Int) throws -> Double {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text) else { throw SyntaxError(offset: start, message: "invalid number") }
            return value
        }
    }
}
