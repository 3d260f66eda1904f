import Foundation
import HummingbirdTesting
import LargeModels
import Platform
import Server
import Testing

/// The two pretrained models the OpenAI route tests serve, from the asset
/// cache (`scripts/fetch-assets`; ORCHARD_CACHE overrides the folder).
/// Tests that need them are skipped, saying so, when they are absent.
enum PretrainedAssets {
    static var cache: String { ProcessInfo.processInfo.environment["ORCHARD_CACHE"] ?? (NSHomeDirectory() + "/.cache/orchard") }
    static var smolLM2: String { cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }
    static var miniLM: String { cache + "/models/all-MiniLM-L6-v2" }
    static var available: Bool {
        FileManager.default.fileExists(atPath: smolLM2) && FileManager.default.fileExists(atPath: miniLM + "/model.safetensors")
    }
    static let missing: Comment = "model files missing: run scripts/fetch-assets (or set ORCHARD_CACHE)"

    static let admin = Principal(tenantID: Tenant.adminID, isAdmin: true, keyPrefix: "")
}

extension TestService {
    /// A service (no training workers) whose pretrained models have these
    /// settings, in memory or on a SQLite file in `directory`.
    static func pretrained(parallel: Int = 2, contextLength: Int = 1024, maxWaiting: Int = 64, sqlite: Bool = false,
                           directory: URL? = nil) async throws -> TestService {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("orchard-test-\(UUID().uuidString)")
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.workers = 0
        configuration.pretrained.parallel = parallel
        configuration.pretrained.contextLength = contextLength
        configuration.pretrained.maxWaiting = maxWaiting
        let platform = sqlite
            ? try await OrchardPlatform.open(dataDirectory: directory, configuration: configuration)
            : try OrchardPlatform.inMemory(artifactsDirectory: directory.appendingPathComponent("artifacts"), configuration: configuration)
        _ = try await platform.auth.bootstrapAdmin(presetKey: adminKey)
        return TestService(platform: platform, built: OrchardServer.build(platform: platform, port: 0), directory: directory)
    }

    /// A service serving SmolLM2 as "smol" and all-MiniLM as "minilm" to every tenant.
    static func withPretrained(parallel: Int = 2, contextLength: Int = 1024) async throws -> TestService {
        let service = try await pretrained(parallel: parallel, contextLength: contextLength)
        try await service.platform.pretrained.loadCommandLine([
            PretrainedRegistration(name: "smol", kind: .llm, path: PretrainedAssets.smolLM2),
            PretrainedRegistration(name: "minilm", kind: .embeddings, path: PretrainedAssets.miniLM),
        ])
        return service
    }

    /// A tenant's id and key.
    func tenantWithID(_ name: String, client: some TestClientProtocol) async throws -> (id: String, key: String) {
        let key = try await tenant(name, client: client)
        let tenants = try await client.call(.get, "/api/v1/tenants", key: TestService.adminKey).json["tenants"]?.array ?? []
        let id = try #require(tenants.first { $0["name"]?.string == name }?["id"]?.string)
        return (id, key)
    }
}

/// The `data:` payloads of a server-sent event stream.
func eventPayloads(_ text: String) -> [String] {
    text.components(separatedBy: "\n\n").compactMap { event in
        event.split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }
}

/// What the local engine produces, to compare the server's answers with.
enum LocalEngine {
    static func generate(_ events: AsyncThrowingStream<GenerationEvent, Error>) async throws -> (text: String, finish: FinishReason?, usage: GenerationUsage?) {
        var text = ""
        var finish: FinishReason?
        var usage: GenerationUsage?
        for try await event in events {
            switch event {
            case .delta(let delta, _): text += delta
            case .finished(let reason, let u): (finish, usage) = (reason, u)
            }
        }
        return (text, finish, usage)
    }
}
