import AsyncHTTPClient
import Foundation
import Hummingbird
import NeuralNet

/// HTTP to an Orchard server: JSON calls, streamed file uploads, raw bodies
/// and Server-Sent Event streams, with `Authorization: Bearer KEY` on each.
/// An error status becomes `ServiceClientError.server` with the server's
/// `{"error": …}` message. Call `close()` when done (or use `with`).
final class ServiceClient: Sendable {
    let connection: Connection
    private let http: HTTPClient
    /// Deadline of ordinary calls (uploads and event streams have none).
    let callTimeout: Int64

    struct Response {
        var status: Int
        var contentType: String?
        var body: Data
    }

    /// The HTTP methods the API uses.
    enum Method: String {
        case GET, POST, PATCH, DELETE
    }

    enum Body {
        case json(JSONValue)
        case data(Data, contentType: String)
        /// Streamed from disk in 1 MiB chunks with a known length.
        case file(URL, contentType: String)
    }

    init(_ connection: Connection, callTimeoutSeconds: Int64 = 300) {
        self.connection = connection
        var configuration = HTTPClient.Configuration()
        // No read timeout: an event stream may be quiet while a job waits in the queue.
        configuration.timeout = .init(connect: .seconds(10), read: nil)
        configuration.redirectConfiguration = .disallow
        // Fail at once when nothing listens (a CLI should say so, not retry for the connect timeout);
        // following a job retries on its own.
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        callTimeout = callTimeoutSeconds
    }

    func close() async {
        try? await http.shutdown()
    }

    /// Runs `body` with a client and closes it afterwards.
    static func with<T>(_ connection: Connection, _ body: (ServiceClient) async throws -> T) async throws -> T {
        let client = ServiceClient(connection)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// `path` starts with "/"; `query` values are percent-encoded.
    func url(_ path: String, query: [(String, String)] = []) -> String {
        var url = connection.server + path
        if !query.isEmpty {
            var allowed = CharacterSet.urlQueryAllowed
            allowed.remove(charactersIn: "&=+?#")
            url += "?" + query.map { name, value in
                "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
            }.joined(separator: "&")
        }
        return url
    }

    /// One request; the whole answer is read. Error statuses are returned, not thrown.
    func send(_ method: Method, _ path: String, query: [(String, String)] = [], body: Body? = nil,
              accept: String = "application/json") async throws -> Response {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = .init(rawValue: method.rawValue)
        request.headers.add(name: "Authorization", value: "Bearer \(connection.apiKey)")
        request.headers.add(name: "Accept", value: accept)
        var streamed = false
        switch body {
        case .json(let value)?:
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: value.serialized()))
        case .data(let data, let contentType)?:
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: data))
        case .file(let file, let contentType)?:
            request.headers.add(name: "Content-Type", value: contentType)
            let chunks = try FileChunks(url: file)
            request.body = .stream(chunks, length: .known(Int64(chunks.length)))
            streamed = true
        case nil:
            break
        }
        let response = try await execute(request, timeoutSeconds: streamed ? nil : callTimeout)
        var collected = Data()
        do {
            for try await chunk in response.body { collected.append(contentsOf: chunk.readableBytesView) }
        } catch {
            throw ServiceClientError.unreachable(server: connection.server, reason: "the answer was cut off (\(error))")
        }
        return Response(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: collected)
    }

    /// A JSON call: the parsed answer (`.null` for 204), or the server's error thrown.
    func json(_ method: Method, _ path: String, query: [(String, String)] = [], body: Body? = nil) async throws -> JSONValue {
        let response = try await send(method, path, query: query, body: body)
        guard (200..<300).contains(response.status) else {
            throw ServiceClientError.from(status: response.status, body: response.body)
        }
        if response.body.isEmpty { return .null }
        do { return try JSONValue.parse(response.body) } catch {
            throw ServiceClientError.unexpected("\(method) \(path) answered \(response.status) with a body that is not JSON")
        }
    }

    /// The text of a call (logs), or the server's error thrown.
    func text(_ path: String) async throws -> String {
        let response = try await send(.GET, path, accept: "text/plain")
        guard (200..<300).contains(response.status) else {
            throw ServiceClientError.from(status: response.status, body: response.body)
        }
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The events of a `text/event-stream` route after event `lastEventID`,
    /// as they arrive; ends when the server closes the stream.
    func events(_ path: String, lastEventID: Int = 0) async throws -> AsyncThrowingStream<ServerSentEvent, Error> {
        var request = HTTPClientRequest(url: url(path))
        request.headers.add(name: "Authorization", value: "Bearer \(connection.apiKey)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if lastEventID > 0 { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
        let response = try await execute(request, timeoutSeconds: nil)
        guard response.status.code == 200 else {
            var body = Data()
            for try await chunk in response.body { body.append(contentsOf: chunk.readableBytesView) }
            throw ServiceClientError.from(status: Int(response.status.code), body: body)
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = ServerSentEventParser()
                do {
                    for try await chunk in response.body {
                        for event in parser.feed(chunk.readableBytesView) { continuation.yield(event) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Without a timeout the call may last (uploads, event streams).
    private func execute(_ request: HTTPClientRequest, timeoutSeconds: Int64?) async throws -> HTTPClientResponse {
        do {
            if let timeoutSeconds { return try await http.execute(request, timeout: .seconds(timeoutSeconds)) }
            return try await http.execute(request, deadline: .distantFuture)
        } catch let error as ServiceClientError {
            throw error
        } catch {
            throw ServiceClientError.unreachable(server: connection.server, reason: ServiceClient.reason(error))
        }
    }

    static func reason(_ error: Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") { return "connection timed out" }
        if text.lowercased().contains("connection refused") || text.contains("ECONNREFUSED") {
            return "connection refused (is `orchard serve` running there?)"
        }
        return text
    }
}

/// A file as an async sequence of 1 MiB buffers (for streamed uploads).
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let url: URL
    let length: Int

    init(url: URL) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = attributes[.size] as? NSNumber else {
            throw ServiceClientError.configuration("\(url.path): no such file")
        }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw ServiceClientError.configuration("\(url.path): not readable")
        }
        self.url = url
        length = size.intValue
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        var remaining: Int

        mutating func next() async throws -> ByteBuffer? {
            guard let handle, remaining > 0 else {
                try? handle?.close()
                return nil
            }
            guard let data = try handle.read(upToCount: Swift.min(1 << 20, remaining)), !data.isEmpty else {
                try? handle.close()
                throw ServiceClientError.configuration("the file shrank while it was being uploaded")
            }
            remaining -= data.count
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: try? FileHandle(forReadingFrom: url), remaining: length)
    }
}
