import Foundation
import Hummingbird
import Platform

/// The one place that turns errors into HTTP answers:
/// `{"error": "message", "field": "name"}` (the Open Inference Protocol's
/// `{"error": …}` shape, with the field at fault when known).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, message, field) = ErrorMiddleware.map(error)
            if status.code >= 500 { context.logger.error("\(request.method) \(request.uri.path): \(error)") }
            var body: [String: JSON] = ["error": .string(message)]
            if let field { body["field"] = .string(field) }
            var response = JSONResponse.make(.object(body), status: status)
            if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            if let limited = error as? RateLimited {
                response.headers[.retryAfter] = String(max(1, Int(limited.retryAfter.rounded(.up))))
            }
            return response
        }
    }

    static func map(_ error: Error) -> (HTTPResponse.Status, String, String?) {
        switch error {
        case let error as ServiceError:
            switch error {
            case .invalid(let field, _): return (.badRequest, error.description, field)
            case .unauthenticated: return (.unauthorized, error.description, nil)
            case .forbidden: return (.forbidden, error.description, nil)
            case .notFound: return (.notFound, error.description, nil)
            case .conflict: return (.conflict, error.description, nil)
            case .tooLarge: return (.contentTooLarge, error.description, "body")
            case .unavailable: return (.serviceUnavailable, error.description, nil)
            }
        case let error as RateLimited:
            return (.tooManyRequests, error.message, nil)
        case let error as HTTPResponseError:
            let message: String
            switch error.status {
            case .notFound: message = "no such route"
            case .contentTooLarge: message = "the request body is too large"
            case .methodNotAllowed: message = "method not allowed on this route"
            default: message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            }
            return (error.status, message, error.status == .contentTooLarge ? "body" : nil)
        case let error as DecodingError:
            return (.badRequest, "malformed JSON: \(error)", "body")
        default:
            return (.internalServerError, "internal error", nil)
        }
    }
}

/// JSON responses of the API.
enum JSONResponse {
    static func make(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.serialize(value))))
    }

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

extension Request {
    /// The body as JSON (size-limited by the context); 400 naming the problem otherwise.
    mutating func decodeJSON(context: OrchardRequestContext) async throws -> JSON {
        let buffer = try await collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw ServiceError.invalid(field: "body", message: "expected a JSON body") }
        do { return try JSONReader.parse(buffer) } catch {
            throw ServiceError.invalid(field: "body", message: "malformed JSON: \(error)")
        }
    }
}
