import Foundation
import NeuralNet

/// Failures of a call to an Orchard server, each printed as one line.
enum ServiceClientError: Error, CustomStringConvertible, Equatable {
    /// The server answered with an error status and (usually) `{"error": …, "field": …}`.
    case server(status: Int, message: String, field: String?)
    /// No answer: connection refused, timeout, bad URL.
    case unreachable(server: String, reason: String)
    /// An answer this client cannot read.
    case unexpected(String)
    /// Missing settings (server URL, API key).
    case configuration(String)

    var description: String {
        switch self {
        case .server(let status, let message, _): "\(message) (HTTP \(status))"
        case .unreachable(let server, let reason): "cannot reach \(server): \(reason)"
        case .unexpected(let message): "unexpected answer from the server: \(message)"
        case .configuration(let message): message
        }
    }

    /// The error a server body describes, or the status alone.
    static func from(status: Int, body: Data) -> ServiceClientError {
        if let json = try? JSONValue.parse(body), let message = json["error"]?.string {
            return .server(status: status, message: message, field: json["field"]?.string)
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return .server(status: status, message: text.isEmpty ? "the server answered \(status)" : text, field: nil)
    }
}
