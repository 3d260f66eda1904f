import Foundation
import Hummingbird
import Platform

/// Caps the body of every request: dataset uploads at the upload limit,
/// everything else at the request limit. A declared `Content-Length` past
/// the limit is refused before a byte is read; a chunked body is counted as
/// it arrives. Either way the answer is 413 with a JSON error.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext
    let uploadLimit: Int
    let requestLimit: Int

    func limit(for request: Request) -> Int {
        request.method == .post && request.uri.path == "/api/v1/datasets" ? uploadLimit : requestLimit
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = limit(for: request)
        var context = context
        context.bodyLimit = limit
        if let length = request.headers[.contentLength] {
            guard let bytes = Int(length), bytes >= 0 else {
                throw ServiceError.invalid(field: "Content-Length", message: "expected a byte count, found '\(length)'")
            }
            guard bytes <= limit else { throw ServiceError.tooLarge(limit: limit) }
            return try await next(request, context)
        }
        guard request.headers[.transferEncoding] != nil else { return try await next(request, context) }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
        return try await next(request, context)
    }
}

/// A request body that fails with 413 once more than `limit` bytes arrived.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            guard seen <= limit else { throw ServiceError.tooLarge(limit: limit) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}

/// Per-tenant quotas (`TenantLimiter`): every authenticated request takes a
/// token from its tenant's bucket, and inference requests count against the
/// tenant's concurrency cap until their answer is written (a streamed answer
/// until its last byte). Past either: 429 with `Retry-After`.
struct TenantLimitMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext
    let limiter: TenantLimiter

    /// Routes that run a model: OIP infer, TF Serving predict, CSV/PNG
    /// predict, and the OpenAI generation and embedding routes.
    static func isInference(_ request: Request) -> Bool {
        guard request.method == .post else { return false }
        let path = request.uri.path
        if path.hasPrefix("/v2/models/") { return path.hasSuffix("/infer") }
        if path.hasPrefix("/v1/models/") { return path.hasSuffix(":predict") }
        if path.hasPrefix("/api/v1/deployments/") { return path.hasSuffix("/predict") }
        return path == "/v1/chat/completions" || path == "/v1/completions" || path == "/v1/embeddings"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let principal = context.principal else { return try await next(request, context) }
        try limiter.admit(tenantID: principal.tenantID)
        guard TenantLimitMiddleware.isInference(request) else { return try await next(request, context) }
        let slot = try limiter.beginInference(tenantID: principal.tenantID)
        var response: Response
        do { response = try await next(request, context) } catch {
            slot.release()
            throw error
        }
        if response.body.contentLength != nil {
            slot.release()
        } else {
            let body = response.body
            response.body = ResponseBody { writer in
                defer { slot.release() }
                try await body.write(writer)
            }
        }
        return response
    }
}
