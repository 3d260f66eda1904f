import Hummingbird
import NIOCore
import Platform

/// Writes the audit log: every change through the management API (a
/// POST, PUT, PATCH or DELETE under /api/v1, predictions excepted) and
/// every refusal for lack of rights (403) anywhere, with the caller, the
/// client's address and the status of the answer — also when the change
/// failed. Runs after `AuthMiddleware`, which records the 401s itself.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext
    let audit: AuditLog

    static func isChange(_ request: Request) -> Bool {
        switch request.method {
        case .post, .put, .patch, .delete:
            let path = request.uri.path
            return path.hasPrefix("/api/v1/") && !TenantLimitMiddleware.isInference(request)
        default:
            return false
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let change = Self.isChange(request)
        do {
            let response = try await next(request, context)
            if change || response.status == .forbidden { await record(request, context, status: response.status.code, message: nil) }
            return response
        } catch {
            let (status, message) = Self.answer(to: error)
            if change || status == .forbidden { await record(request, context, status: status.code, message: message) }
            throw error
        }
    }

    /// The status and message the error middlewares will answer with.
    static func answer(to error: Error) -> (HTTPResponse.Status, String) {
        if let error = error as? OpenAIError { return (error.status, error.message) }
        let (status, message, _) = ErrorMiddleware.map(error)
        return (status, message)
    }

    private func record(_ request: Request, _ context: Context, status: Int, message: String?) async {
        let principal = context.principal
        await audit.record(AuditEvent(tenantID: principal?.tenantID, keyPrefix: principal?.keyPrefix, admin: principal?.isAdmin ?? false,
                                      method: request.method.rawValue, path: request.uri.path, status: status,
                                      remoteAddress: context.connection.remoteAddress?.ipAddress, message: message))
    }
}
