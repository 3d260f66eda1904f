import Hummingbird
import Platform

/// Every request but health checks and the OpenAPI document carries
/// `Authorization: Bearer KEY`; 401 when missing or invalid.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = OrchardRequestContext
    let auth: AuthService

    static let publicPaths: Set<String> = ["/v2/health/live", "/v2/health/ready", "/openapi.yaml"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if AuthMiddleware.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        var context = context
        context.principal = try await auth.authenticate(authorization: request.headers[.authorization])
        return try await next(request, context)
    }
}
