import AsyncHTTPClient
import Foundation
import NIOCore
import Platform

/// A small client for Orchard's OpenAI-compatible routes, for `orchard chat`
/// and `orchard embed --server`: the server from `--server` or ORCHARD_URL,
/// the key from `--api-key` or ORCHARD_API_KEY.
struct OpenAIClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let baseURL: String
    let apiKey: String
    let http: HTTPClient

    /// `server` and `apiKey` from the command line, else the environment.
    static func resolve(server: String?, apiKey: String?, http: HTTPClient = .shared) throws -> OpenAIClient {
        let environment = ProcessInfo.processInfo.environment
        guard let url = server ?? environment["ORCHARD_URL"], !url.isEmpty else {
            throw Failure(description: "no server: pass --server URL or set ORCHARD_URL")
        }
        guard let key = apiKey ?? environment["ORCHARD_API_KEY"], !key.isEmpty else {
            throw Failure(description: "no API key: pass --api-key KEY or set ORCHARD_API_KEY")
        }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw Failure(description: "the server URL must start with http:// or https://, found '\(url)'")
        }
        return OpenAIClient(baseURL: base, apiKey: key, http: http)
    }

    private func request(_ path: String, body: JSON) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        return request
    }

    /// Sends `body`; a status other than 200 becomes an error with the server's message.
    private func send(_ path: String, body: JSON, timeout: TimeAmount = .hours(1)) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request(path, body: body), timeout: timeout)
        } catch {
            throw Failure(description: "cannot reach \(baseURL): \(error)")
        }
        guard response.status == .ok else {
            let buffer = try await response.body.collect(upTo: 1 << 20)
            let json = try? JSON.parse(Data(buffer.readableBytesView))
            let message = json?["error"]?["message"]?.string ?? json?["error"]?.string ?? String(buffer: buffer)
            throw Failure(description: "\(baseURL)\(path): \(response.status.code) \(message)")
        }
        return response
    }

    /// The content of a streamed chat completion, delta by delta.
    func streamChat(_ body: JSON) -> AsyncThrowingStream<String, Error> {
        var body = body.object ?? [:]
        body["stream"] = true
        let request = JSON.object(body)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let response = try await send("/v1/chat/completions", body: request)
                    var events = ServerSentEventLines()
                    for try await chunk in response.body {
                        for data in events.push(chunk) {
                            if data == "[DONE]" { continuation.finish(); return }
                            guard let event = try? JSON.parse(Data(data.utf8)) else {
                                throw Failure(description: "unexpected event from the server: \(data.prefix(200))")
                            }
                            if let error = event["error"] {
                                throw Failure(description: error["message"]?.string ?? error.brief)
                            }
                            if let text = event["choices"]?.array?.first?["delta"]?["content"]?.string, !text.isEmpty {
                                continuation.yield(text)
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Vectors for `texts`, asked for as base64 (little-endian float32).
    func embeddings(model: String, texts: [String]) async throws -> [[Float]] {
        let body: JSON = ["model": .string(model), "input": .array(texts.map { .string($0) }), "encoding_format": "base64"]
        let response = try await send("/v1/embeddings", body: body, timeout: .minutes(10))
        let json = try JSON.parse(Data(try await response.body.collect(upTo: 1 << 30).readableBytesView))
        guard let data = json["data"]?.array, data.count == texts.count else {
            throw Failure(description: "the server answered \(json["data"]?.array?.count ?? 0) embeddings for \(texts.count) texts")
        }
        return try data.sorted { ($0["index"]?.int ?? 0) < ($1["index"]?.int ?? 0) }.map { item in
            guard let text = item["embedding"]?.string, let bytes = Data(base64Encoded: text), bytes.count % 4 == 0 else {
                throw Failure(description: "an embedding is not base64 float32: \(item.brief)")
            }
            return bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }
    }
}

/// Splits a `text/event-stream` body into the `data:` payloads of its events.
struct ServerSentEventLines {
    private var pending: [UInt8] = []

    mutating func push(_ buffer: ByteBuffer) -> [String] {
        pending.append(contentsOf: buffer.readableBytesView)
        var payloads: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.hasPrefix("data:") {
                let payload = line.dropFirst(5)
                payloads.append(String(payload.hasPrefix(" ") ? payload.dropFirst() : payload))
            }
        }
        return payloads
    }
}
