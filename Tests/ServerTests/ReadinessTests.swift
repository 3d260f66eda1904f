import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

/// `/v2/health/ready` and `/v2/models/{name}/ready` answer 503 with the
/// reason while the service or a deployment cannot serve, 200 once it can.
@Suite struct ReadinessTests {
    static func eventually(_ timeout: Double = 30, _ check: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await check() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }

    @Test func serverReadinessFollowsStartDatabaseAndShutdown() async throws {
        let service = try await TestService.make(workers: 1, sqlite: true, start: false)
        try await service.application.test(.router) { client in
            let notStarted = try await client.call(.get, "/v2/health/ready")
            #expect(notStarted.status == .serviceUnavailable)
            #expect(notStarted.json["ready"] == false)
            let reasons = notStarted.json["reasons"]?.array?.compactMap(\.string) ?? []
            #expect(reasons.contains("not started"), "\(reasons)")
            #expect(reasons.contains("training workers not started"), "\(reasons)")
            #expect(notStarted.json["error"]?.string?.hasPrefix("not ready: ") == true)

            service.platform.start()
            #expect(try await Self.eventually { try await client.call(.get, "/v2/health/ready").status == .ok })
            #expect(try await client.call(.get, "/v2/health/ready").json["ready"] == true)

            // The database goes away: not ready, naming it; still live.
            try await service.platform.store.storage.close()
            let noDatabase = try await client.call(.get, "/v2/health/ready")
            #expect(noDatabase.status == .serviceUnavailable)
            #expect(noDatabase.json["reasons"]?.array?.contains { $0.string?.hasPrefix("database unreachable") == true } == true,
                    "\(noDatabase.text)")
            #expect(try await client.call(.get, "/v2/health/live").status == .ok)
        }
        await service.stop()
    }

    @Test func shuttingDownIsNotReady() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            #expect(try await client.call(.get, "/v2/health/ready").status == .ok)
            await service.platform.shutdown()
            let answer = try await client.call(.get, "/v2/health/ready")
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.json["reasons"] == ["shutting down"])
        }
        await service.stop()
    }

    @Test func modelReadinessWaitsForTheReplicas() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("ready", client: client)
            let name = try await service.trainAndDeploy(key: key, client: client)
            #expect(try await client.call(.get, "/v2/models/\(name)/ready", key: key).status == .ok)

            // Another process over the same store (a restart, not yet started): the
            // deployment exists but no replica is loaded; the probe starts the load.
            let restarted = OrchardPlatform(store: service.platform.store, artifacts: service.platform.artifacts)
            let server = OrchardServer.build(platform: restarted, port: 0)
            try await server.application.test(.router) { fresh in
                let loading = try await fresh.call(.get, "/v2/models/\(name)/ready", key: key)
                #expect(loading.status == .serviceUnavailable)
                #expect(loading.json["ready"] == false)
                #expect(loading.json["error"]?.string?.contains("loading") == true, "\(loading.text)")
                #expect(try await Self.eventually { try await fresh.call(.get, "/v2/models/\(name)/ready", key: key).status == .ok })
                #expect(try await fresh.call(.get, "/v2/models/\(name)/versions/1/ready", key: key).status == .ok)
                #expect(try await fresh.call(.get, "/v2/models/\(name)/versions/9/ready", key: key).status == .notFound)
                #expect(try await fresh.call(.get, "/v2/models/nothing/ready", key: key).status == .notFound)
                #expect(try await fresh.call(.get, "/v2/health/ready").status == .serviceUnavailable, "never started")
            }
            restarted.deployments.shutdown()

            // Weights gone: the load fails and readiness says why.
            let record = try #require(try await service.platform.store.modelVersion(tenantID: try #require(
                try await service.platform.auth.authenticate(authorization: "Bearer \(key)").tenantID), name: name, version: 1))
            try service.platform.artifacts.delete(try #require(record.files["weights.safetensors"]))
            let broken = OrchardPlatform(store: service.platform.store, artifacts: service.platform.artifacts)
            try await OrchardServer.build(platform: broken, port: 0).application.test(.router) { fresh in
                #expect(try await fresh.call(.get, "/v2/models/\(name)/ready", key: key).status == .serviceUnavailable)
                let failed = try await Self.eventually {
                    try await fresh.call(.get, "/v2/models/\(name)/ready", key: key).json["error"]?.string?.contains("failed to load") == true
                }
                #expect(failed)
                #expect(try await fresh.call(.get, "/v2/models/\(name)/ready", key: key).status == .serviceUnavailable)
            }
            broken.deployments.shutdown()
        }
        await service.stop()
    }
}
