import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

/// Two nodes on one PostgreSQL database and one artifact folder: the API
/// node runs no workers, the other runs one; a job posted to the API node
/// is run by the other and its model registered for everyone.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ORCHARD_TEST_POSTGRES_URL"] != nil,
                "scripts/test starts a PostgreSQL server (scripts/postgres)"))
struct SharedDatabaseTests {
    @Test func aJobPostedToOneNodeRunsOnAnother() async throws {
        let server = try #require(ProcessInfo.processInfo.environment["ORCHARD_TEST_POSTGRES_URL"])
        let url = try await PostgresDocumentStorage.createDatabase(
            named: "orchard_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(), on: server)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-test-\(UUID().uuidString)")
        var apiConfiguration = OrchardPlatform.Configuration()
        apiConfiguration.workers.workers = 0
        var workerConfiguration = OrchardPlatform.Configuration()
        workerConfiguration.workers.workers = 1
        workerConfiguration.workers.pollInterval = 0.1
        let apiNode = try await OrchardPlatform.open(dataDirectory: directory, databaseURL: url, configuration: apiConfiguration)
        _ = try await apiNode.auth.bootstrapAdmin(presetKey: TestService.adminKey)
        let workerNode = try await OrchardPlatform.open(dataDirectory: directory, databaseURL: url, configuration: workerConfiguration)
        apiNode.start()
        workerNode.start()
        let service = TestService(platform: apiNode, built: OrchardServer.build(platform: apiNode, port: 0), directory: directory)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("shared", client: client)
            let dataset = try await service.upload(Fixtures.classificationCSV, key: key, client: client)
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key,
                                                  json: Fixtures.jobBody(dataset: dataset, registerAs: "shared-model"))
            #expect(submitted.status == .created, "\(submitted.text)")
            let id = try #require(submitted.json["id"]?.string)
            // Its events, followed on the API node while the other node produces them, end with the final status.
            let events = try await client.call(.get, "/api/v1/jobs/\(id)/events", key: key)
            let types = events.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(types.contains("epoch"), "\(events.text.prefix(500))")
            #expect(events.text.contains("\"final\":true"), "\(events.text.suffix(500))")
            let ids = events.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
            #expect(ids == Array(1...max(1, ids.count)), "events repeated or missing: \(ids)")
            let final = try await service.waitForJob(id, key: key, client: client)
            #expect(final["status"]?.string == "succeeded", "\(final)")
            // The API node has no worker: the other node ran it; its model is served here.
            let models = try await client.call(.get, "/api/v1/models", key: key)
            #expect(models.json["models"]?.array?.contains { $0["name"]?.string == "shared-model" } == true)
            // The audit log is shared too.
            let audit = try await client.call(.get, "/api/v1/audit", key: key)
            #expect(audit.json["events"]?.array?.contains { $0["path"]?.string == "/api/v1/jobs" && $0["status"]?.int == 201 } == true)
        }
        await workerNode.shutdown()
        await service.stop()
    }
}
