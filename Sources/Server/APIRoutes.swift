import Hummingbird
import Platform

/// Registers management routes under /api/v1 and remembers them, so a test
/// can check that the OpenAPI document lists every one.
final class APIRoutes: @unchecked Sendable {
    let router: Router<OrchardRequestContext>
    private(set) var registered: [(method: String, path: String)] = []
    typealias Handler = @Sendable (Request, OrchardRequestContext) async throws -> Response

    init(router: Router<OrchardRequestContext>) {
        self.router = router
    }

    /// `path` relative to /api/v1 with `{name}` parameters.
    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        let full = "/api/v1" + (path.isEmpty ? "" : "/" + path)
        registered.append((method.rawValue, full))
        router.on(RouterPath(full), method: method, use: handler)
    }
}

extension OrchardRequestContext {
    /// A path parameter the route declares.
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw ServiceError.invalid(field: name, message: "missing path parameter") }
        return value
    }
}
