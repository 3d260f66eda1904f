import Foundation

/// One Server-Sent Event: `id:`, `event:` and the `data:` lines joined.
struct ServerSentEvent: Equatable, Sendable {
    var id: Int?
    var event: String
    var data: String
}

/// Incremental `text/event-stream` parser (WHATWG HTML §9.2): feed bytes
/// as they arrive, get the events completed by a blank line.
struct ServerSentEventParser {
    private var pending: [UInt8] = []
    private var id: Int?
    private var event = ""
    private var data: [String] = []

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        pending.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = String(decoding: pending[start..<end], as: UTF8.self)
            start = newline + 1
            if let dispatched = process(line) { events.append(dispatched) }
        }
        pending.removeFirst(start)
        return events
    }

    private mutating func process(_ line: String) -> ServerSentEvent? {
        if line.isEmpty {
            defer { event = ""; data = [] }
            guard !data.isEmpty || !event.isEmpty else { return nil }
            return ServerSentEvent(id: id, event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring, value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            var rest = line[line.index(after: colon)...]
            if rest.hasPrefix(" ") { rest = rest.dropFirst() }
            value = rest
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "id": id = Int(value)
        case "event": event = String(value)
        case "data": data.append(String(value))
        default: break
        }
        return nil
    }
}
