import Foundation
import Hummingbird
import LargeModels
import Platform

/// An error in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
struct OpenAIError: Error, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    var type: String
    var param: String?
    var code: String?

    var description: String { message }

    static func invalid(_ message: String, param: String?, code: String? = nil) -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    static func modelNotFound(_ name: String) -> OpenAIError {
        OpenAIError(status: .notFound, message: "The model '\(name)' does not exist or you do not have access to it.",
                    type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    var json: JSON {
        ["error": ["message": .string(message), "type": .string(type), "param": param.map { .string($0) } ?? .null,
                   "code": code.map { .string($0) } ?? .null]]
    }

    var response: Response {
        var response = JSONResponse.make(json, status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    /// Any error thrown on an OpenAI route, in OpenAI's terms. `promptParam`
    /// names the request field holding the prompt ("messages" or "prompt").
    static func from(_ error: Error, promptParam: String?) -> OpenAIError {
        switch error {
        case let error as OpenAIError:
            return error
        case let error as ServiceError:
            switch error {
            case .invalid(let field, let message):
                return .invalid(field.map { "\($0): \(message)" } ?? message, param: field)
            case .unauthenticated(let message):
                return OpenAIError(status: .unauthorized, message: message, type: "invalid_request_error", param: nil, code: "invalid_api_key")
            case .forbidden(let message):
                return OpenAIError(status: .forbidden, message: message, type: "permission_error", param: nil, code: nil)
            case .notFound(let kind, let id):
                return kind == "model" ? .modelNotFound(id)
                    : OpenAIError(status: .notFound, message: error.description, type: "invalid_request_error", param: nil, code: "not_found")
            case .conflict(let message):
                return OpenAIError(status: .conflict, message: message, type: "invalid_request_error", param: nil, code: "conflict")
            case .tooLarge:
                return OpenAIError(status: .contentTooLarge, message: error.description, type: "invalid_request_error", param: nil,
                                   code: "request_too_large")
            case .unavailable(let message):
                return OpenAIError(status: .serviceUnavailable, message: message, type: "server_error", param: nil, code: "unavailable")
            }
        case let error as PretrainedError:
            switch error {
            case .promptTooLong:
                return .invalid(error.description, param: promptParam, code: "context_length_exceeded")
            case .queueFull:
                return OpenAIError(status: .tooManyRequests, message: error.description, type: "rate_limit_error", param: nil,
                                   code: "rate_limit_exceeded")
            case .wrongKind:
                return .invalid(error.description, param: "model", code: "model_not_supported")
            case .loadFailed:
                return OpenAIError(status: .internalServerError, message: error.description, type: "server_error", param: nil, code: nil)
            }
        case let error as LargeModelError:
            if case .tokenOutOfRange = error { return .invalid(error.description, param: promptParam) }
            if error == .cancelled {
                return OpenAIError(status: .serviceUnavailable, message: "the model was unloaded or the server is stopping; retry",
                                   type: "server_error", param: nil, code: "unavailable")
            }
            return OpenAIError(status: .internalServerError, message: error.description, type: "server_error", param: nil, code: nil)
        case let error as HTTPResponseError:
            let (status, message, _) = ErrorMiddleware.map(error)
            return OpenAIError(status: status, message: message, type: status.code >= 500 ? "server_error" : "invalid_request_error",
                               param: nil, code: status == .notFound ? "unknown_url" : nil)
        case is DecodingError:
            return .invalid("malformed JSON", param: nil)
        default:
            return OpenAIError(status: .internalServerError, message: "internal error", type: "server_error", param: nil, code: nil)
        }
    }
}

/// Renders errors of the OpenAI routes in OpenAI's shape (authentication
/// included: it sits between the general error middleware and the auth
/// middleware); every other route keeps the general shape.
struct OpenAIErrorMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let promptParam = OpenAIErrorMiddleware.route(request.method, request.uri.path) else {
            return try await next(request, context)
        }
        do {
            return try await next(request, context)
        } catch {
            let mapped = OpenAIError.from(error, promptParam: promptParam.isEmpty ? nil : promptParam)
            if mapped.status.code >= 500 { context.logger.error("\(request.method) \(request.uri.path): \(error)") }
            return mapped.response
        }
    }

    /// For an OpenAI route, the field that holds its prompt ("" when none); nil otherwise.
    /// `GET /v1/models/{name}` is shared with TF Serving's model status; its errors take OpenAI's shape.
    static func route(_ method: HTTPRequest.Method, _ path: String) -> String? {
        switch path {
        case "/v1/chat/completions": return "messages"
        case "/v1/completions": return "prompt"
        case "/v1/embeddings": return "input"
        case "/v1/models": return ""
        default:
            let rest = path.dropFirst("/v1/models/".count)
            if method == .get, path.hasPrefix("/v1/models/"), !rest.isEmpty, !rest.contains("/") { return "" }
            return nil
        }
    }
}
