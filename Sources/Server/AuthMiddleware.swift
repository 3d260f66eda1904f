import Hummingbird
import Platform

/// Every request but health checks and the OpenAPI document carries
/// `Authorization: Bearer KEY`; 401 when missing or invalid (recorded in
/// the audit log with the client's address).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext
    let auth: AuthService
    let audit: AuditLog

    static let publicPaths: Set<String> = ["/v2/health/live", "/v2/health/ready", "/openapi.yaml"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if AuthMiddleware.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        var context = context
        do {
            context.principal = try await auth.authenticate(authorization: request.headers[.authorization])
        } catch let error as ServiceError {
            if case .unauthenticated(let message) = error {
                await audit.record(AuditEvent(tenantID: nil, keyPrefix: nil, admin: false, method: request.method.rawValue,
                                              path: request.uri.path, status: 401,
                                              remoteAddress: context.connection.remoteAddress?.ipAddress, message: message))
            }
            throw error
        }
        return try await next(request, context)
    }
}
