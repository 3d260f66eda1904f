import Foundation
import Platform

/// A streaming multipart/form-data reader (RFC 7578): fed the body as it
/// arrives, it hands back text fields whole and the first file part in
/// pieces, so an upload goes to disk without the whole body in memory.
/// A delimiter split across two network chunks is found: the last bytes
/// that could start one are held back until the next chunk.
struct MultipartReader {
    enum Event: Equatable {
        case field(name: String, value: String)
        case fileStart(filename: String?)
        case fileData(Data)
        case fileEnd
    }

    static let maxHeaderBytes = 16 << 10
    static let maxFieldBytes = 64 << 10

    private enum State {
        case preamble, afterDelimiter, headers, content, epilogue
    }

    /// "\r\n--boundary": what ends a part's content.
    private let delimiter: [UInt8]
    private var state = State.preamble
    private var buffer: [UInt8] = []
    private var part: (name: String?, filename: String?, isFile: Bool, isFirstFile: Bool)?
    private var field: [UInt8] = []
    private var sawFile = false

    /// `contentType` is the request's header; 400 without a boundary.
    init(contentType: String) throws {
        guard let range = contentType.range(of: "boundary=") else {
            throw ServiceError.invalid(field: "Content-Type", message: "multipart/form-data without a boundary")
        }
        var boundary = String(contentType[range.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw ServiceError.invalid(field: "Content-Type", message: "the multipart boundary must have 1–200 characters")
        }
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The body starts with the delimiter without its CRLF; pretend one came before.
        buffer = [0x0D, 0x0A]
    }

    /// Whether the closing delimiter was seen.
    var isComplete: Bool { if case .epilogue = state { return true } else { return false } }

    /// Consumes one chunk; returns what it completed.
    mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws -> [Event] where Bytes.Element == UInt8 {
        guard !isComplete else { return [] }
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        var start = 0
        defer { buffer.removeFirst(start) }
        while true {
            switch state {
            case .preamble:
                guard let found = find(delimiter, from: start) else {
                    start = max(start, buffer.count - (delimiter.count - 1))
                    return events
                }
                start = found + delimiter.count
                state = .afterDelimiter
            case .afterDelimiter:
                guard buffer.count - start >= 2 else { return events }
                if buffer[start] == UInt8(ascii: "-") && buffer[start + 1] == UInt8(ascii: "-") {
                    state = .epilogue
                    start = buffer.count
                    return events
                }
                // Optional whitespace after the delimiter, then CRLF.
                guard let lineEnd = find([0x0D, 0x0A], from: start) else {
                    guard buffer.count - start < 256 else { throw malformed("a delimiter line is not followed by CRLF") }
                    return events
                }
                start = lineEnd + 2
                state = .headers
            case .headers:
                guard buffer.count - start >= 2 else { return events }
                let headers: String
                if buffer[start] == 0x0D && buffer[start + 1] == 0x0A {
                    headers = ""  // a part without headers
                    start += 2
                } else {
                    guard let end = find([0x0D, 0x0A, 0x0D, 0x0A], from: start) else {
                        guard buffer.count - start <= MultipartReader.maxHeaderBytes else { throw malformed("part headers longer than 16 KiB") }
                        return events
                    }
                    headers = String(decoding: buffer[start..<end], as: UTF8.self)
                    start = end + 4
                }
                let disposition = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-disposition") }.map(String.init)
                let name = disposition.flatMap { MultipartReader.attribute("name", in: $0) }
                let filename = disposition.flatMap { MultipartReader.attribute("filename", in: $0) }
                let isFile = filename != nil
                part = (name, filename, isFile, isFile && !sawFile)
                if isFile && !sawFile {
                    sawFile = true
                    events.append(.fileStart(filename: filename))
                }
                field = []
                state = .content
            case .content:
                let found = find(delimiter, from: start)
                let end = found ?? max(start, buffer.count - (delimiter.count - 1))
                if end > start { try take(buffer[start..<end], into: &events) }
                start = end
                guard let found else { return events }
                start = found + delimiter.count
                finishPart(into: &events)
                state = .afterDelimiter
            case .epilogue:
                start = buffer.count
                return events
            }
        }
    }

    /// The body ended: an error unless the closing delimiter came.
    func finish() throws {
        guard isComplete else { throw malformed("the multipart body ends before its closing delimiter") }
    }

    private mutating func take(_ bytes: ArraySlice<UInt8>, into events: inout [Event]) throws {
        guard let part else { return }
        if part.isFirstFile {
            events.append(.fileData(Data(bytes)))
        } else if !part.isFile {
            field.append(contentsOf: bytes)
            guard field.count <= MultipartReader.maxFieldBytes else { throw malformed("a form field is longer than 64 KiB") }
        }
    }

    private mutating func finishPart(into events: inout [Event]) {
        guard let part else { return }
        if part.isFirstFile {
            events.append(.fileEnd)
        } else if !part.isFile, let name = part.name {
            events.append(.field(name: name, value: String(decoding: field, as: UTF8.self)))
        }
        self.part = nil
    }

    /// The first occurrence of `needle` at or after `start` (memchr for its
    /// first byte, memcmp for the rest).
    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard buffer.count - start >= needle.count else { return nil }
        return buffer.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { pattern in
                let base = haystack.baseAddress!
                var position = start
                let last = haystack.count - pattern.count
                while position <= last {
                    guard let hit = memchr(base + position, Int32(pattern[0]), last - position + 1) else { return nil }
                    position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + position, pattern.baseAddress!, pattern.count) == 0 { return position }
                    position += 1
                }
                return nil
            }
        }
    }

    private func malformed(_ message: String) -> ServiceError {
        ServiceError.invalid(field: "body", message: "malformed multipart body: \(message)")
    }

    static func attribute(_ name: String, in header: String) -> String? {
        guard let range = header.range(of: " \(name)=\"") ?? header.range(of: ";\(name)=\"") else { return nil }
        let rest = header[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
