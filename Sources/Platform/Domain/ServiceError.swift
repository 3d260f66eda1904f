/// Errors of the service, phrased for the caller; the server maps each case
/// to one HTTP status in one place.
public enum ServiceError: Error, CustomStringConvertible, Equatable {
    /// 400: `field` names the part of the input at fault.
    case invalid(field: String?, message: String)
    /// 401
    case unauthenticated(String)
    /// 403
    case forbidden(String)
    /// 404: `kind` such as "dataset", `id` what was asked for.
    case notFound(kind: String, id: String)
    /// 409
    case conflict(String)
    /// 413
    case tooLarge(limit: Int)
    /// 503
    case unavailable(String)

    public var description: String {
        switch self {
        case .invalid(let field, let message): field.map { "\($0): \(message)" } ?? message
        case .unauthenticated(let message), .forbidden(let message), .conflict(let message), .unavailable(let message):
            message
        case .notFound(let kind, let id): "\(kind) '\(id)' not found"
        case .tooLarge(let limit): "the request body is larger than the limit of \(limit) bytes"
        }
    }

    public var field: String? {
        if case .invalid(let field, _) = self { return field }
        return nil
    }
}
