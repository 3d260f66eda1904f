import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

/// Over a real loopback socket, on SQLite.
@Suite struct LiveServerTests {
    @Test func trainDeployAndInferOverLoopback() async throws {
        let service = try await TestService.make(workers: 1, sqlite: true)
        try await service.application.test(.live) { client in
            #expect(try await client.call(.get, "/v2/health/ready").status == .ok)
            let key = try await service.tenant("live", client: client)
            let name = try await service.trainAndDeploy(key: key, client: client)
            let infer = try await client.call(.post, "/v2/models/\(name)/infer", key: key, json: [
                "inputs": [["name": "input", "shape": [1, 2], "datatype": "FP32", "data": [200, 20]]],
            ])
            #expect(infer.status == .ok, "\(infer.text)")
            #expect(infer.json["outputs"]?.array?.first?["data"]?.array?.count == 2)
            // SSE over the socket for a finished job.
            let jobs = try await client.call(.get, "/api/v1/jobs", key: key).json["jobs"]?.array ?? []
            let id = try #require(jobs.first?["id"]?.string)
            let events = try await client.call(.get, "/api/v1/jobs/\(id)/events", key: key)
            #expect(events.text.contains("event: epoch"))
        }
        await service.stop()
    }
}
