import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

@Suite struct OpenAPIDocumentTests {
    @Test func everyAPIRouteIsDocumented() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let response = try await client.call(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            let yaml = response.text
            #expect(yaml.hasPrefix("openapi: 3.1.0"))
            // Paths and the methods under each, read from the document's indentation.
            var documented: Set<String> = []
            var currentPath: String?
            for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("  /"), line.hasSuffix(":") {
                    currentPath = String(line.dropFirst(2).dropLast())
                } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path = currentPath {
                    let method = line.dropFirst(4).prefix { $0 != ":" }
                    if ["get", "post", "put", "patch", "delete"].contains(method) { documented.insert("\(method.uppercased()) \(path)") }
                } else if !line.hasPrefix(" ") {
                    currentPath = nil
                }
            }
            #expect(service.built.apiRoutes.count >= 27)
            for route in service.built.apiRoutes {
                #expect(documented.contains("\(route.method) \(route.path)"), "\(route.method) \(route.path) is not in openapi.yaml")
            }
            let registered = Set(service.built.apiRoutes.map { "\($0.method) \($0.path)" })
            for entry in documented { #expect(registered.contains(entry), "\(entry) is documented but not served") }
        }
        await service.stop()
    }

    /// A method a route does not serve is 405 with `Allow`, not 404 (found by schemathesis).
    @Test func otherMethodsAre405WithAllow() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let admin = TestService.adminKey
            let trace = try await client.call(.trace, "/api/v1/jobs", key: admin)
            #expect(trace.status == .methodNotAllowed)
            #expect(trace.headers[.allow] == "POST, GET")
            #expect(trace.json["error"]?.string?.contains("TRACE is not allowed on /api/v1/jobs") == true)
            let put = try await client.call(.put, "/api/v1/datasets/ds_1", key: admin)
            #expect(put.status == .methodNotAllowed)
            #expect(Set((put.headers[.allow] ?? "").components(separatedBy: ", ")) == ["GET", "DELETE"])
            // Served methods and unknown paths are unchanged; the key is still checked first.
            #expect(try await client.call(.get, "/api/v1/jobs", key: admin).status == .ok)
            #expect(try await client.call(.get, "/api/v1/nothing", key: admin).status == .notFound)
            #expect(try await client.call(.trace, "/api/v1/jobs").status == .unauthorized)
        }
        await service.stop()
    }
}
