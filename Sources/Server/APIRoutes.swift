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

    /// Methods answered with 405 on a route that has others.
    static let otherMethods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]

    /// Every other common method on a registered path answers 405 with
    /// `Allow` (instead of the router's 404, which would say the path does
    /// not exist). Call once all routes are registered.
    func answerOtherMethodsWith405() {
        var methods: [String: [String]] = [:]
        var order: [String] = []
        for (method, path) in registered {
            if methods[path] == nil { order.append(path) }
            methods[path, default: []].append(method)
        }
        for path in order {
            let allowed = methods[path] ?? []
            let allow = allowed.joined(separator: ", ")
            for method in Self.otherMethods where !allowed.contains(method.rawValue) {
                router.on(RouterPath(path), method: method) { request, _ in
                    var response = JSONResponse.make(
                        ["error": .string("\(request.method.rawValue) is not allowed on \(path); allowed: \(allow)")],
                        status: .methodNotAllowed)
                    response.headers[.allow] = allow
                    return response
                }
            }
        }
    }
}

extension OrchardRequestContext {
    /// A path parameter the route declares.
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw ServiceError.invalid(field: name, message: "missing path parameter") }
        return value
    }
}
