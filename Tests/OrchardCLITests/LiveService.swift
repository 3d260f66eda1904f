import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
import Server
import Testing
@testable import orchard

/// An in-memory Orchard server on a free loopback port, with a tenant key
/// made through the API, for the client code to talk to.
enum LiveService {
    static let adminKey = "ork_clitestadminkey000000000000000000000000"

    static func run(_ body: @Sendable (_ server: String, _ key: String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-cli-\(UUID().uuidString)")
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.workers = 1
        configuration.workers.pollInterval = 0.2
        configuration.maxUploadBytes = 1 << 20
        let platform = try OrchardPlatform.inMemory(artifactsDirectory: directory.appendingPathComponent("artifacts"),
                                                    configuration: configuration)
        _ = try await platform.auth.bootstrapAdmin(presetKey: adminKey)
        platform.start()
        let built = OrchardServer.build(platform: platform, port: 0)
        do {
            try await built.application.test(.live) { client in
                let server = "http://127.0.0.1:\(try #require(client.port))"
                let key = try await ServiceClient.with(Connection(server: server, apiKey: adminKey)) { admin in
                    let tenant = try await admin.json(.POST, "/api/v1/tenants", body: .json(["name": "cli"]))
                    let id = try #require(tenant["id"]?.string)
                    return try #require(try await admin.json(.POST, "/api/v1/tenants/\(id)/keys")["key"]?.string)
                }
                try await body(server, key)
            }
        } catch {
            await platform.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        await platform.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Files the tests write: data, model specs, images.
struct Scratch {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-cli-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ contents: Data) throws -> String {
        let url = directory.appendingPathComponent(name)
        try contents.write(to: url)
        return url.path
    }

    func write(_ name: String, _ text: String) throws -> String { try write(name, Data(text.utf8)) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

enum CLIFixtures {
    /// 48 gray 2×2 images: label 1 when the top row is brighter than the bottom one.
    static let imagesCSV: String = {
        var lines = ["p1,p2,p3,p4,label"]
        for index in 0..<48 {
            let top = (index * 53) % 256, bottom = (index * 97 + 31) % 256
            lines.append("\(top),\((top + 7) % 256),\(bottom),\((bottom + 11) % 256),\(top > bottom ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static let imageSpec = """
    {"input_shape": [2, 2, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 8, "activation": "relu"},
     {"type": "Dense", "units": 2, "activation": "softmax"}]}
    """
}
