import Foundation
import Hummingbird
import Platform

/// `text/event-stream` of job events: past ones first, then live ones,
/// each as `id: N`, `event: TYPE`, `data: JSON`; ends after the final status.
/// `data` carries the event's `time` (ISO 8601) and `unix_time` (seconds,
/// with fractions, for measuring delivery delays).
enum ServerSentEvents {
    static func frame(_ event: JobEvent) -> String {
        var data = event.data.object ?? [:]
        data["time"] = event.time.iso8601
        data["unix_time"] = .number(event.time.timeIntervalSince1970)
        return "id: \(event.sequence)\nevent: \(event.type)\ndata: \(String(decoding: JSONWriter.serialize(.object(data)), as: UTF8.self))\n\n"
    }

    static func response(past: [JobEvent], live: AsyncStream<JobEvent>, after lastSeen: Int) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                 body: ResponseBody { writer in
                     var last = lastSeen
                     for event in past where event.sequence > last {
                         try await writer.write(ByteBuffer(string: frame(event)))
                         last = event.sequence
                     }
                     for await event in live where event.sequence > last {
                         try await writer.write(ByteBuffer(string: frame(event)))
                         last = event.sequence
                     }
                     try await writer.finish(nil)
                 })
    }
}
