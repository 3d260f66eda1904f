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
}
