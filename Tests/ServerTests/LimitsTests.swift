import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
import Server
import Testing

/// Request limits: body sizes on every route (413), slow clients dropped,
/// per-tenant rate and inference concurrency limits (429 + Retry-After),
/// and large uploads streamed to disk with nothing left behind on 413.
@Suite struct LimitsTests {
    @Test func everyRouteLimitsItsBody() async throws {
        let service = try await TestService.make(workers: 0, maxUploadBytes: 4000) { $0.maxRequestBytes = 1000 }
        try await service.application.test(.router) { client in
            let key = try await service.tenant("sized", client: client)
            let padding = String(repeating: "x", count: 1200)
            for (method, path) in [(HTTPRequest.Method.post, "/api/v1/tenants"), (.post, "/api/v1/jobs"), (.post, "/api/v1/deployments"),
                                   (.patch, "/api/v1/deployments/d"), (.post, "/v2/models/d/infer"), (.post, "/v1/models/d:predict"),
                                   (.post, "/api/v1/deployments/d/predict"), (.get, "/api/v1/datasets")] {
                let answer = try await client.call(method, path, key: key, json: ["name": .string(padding)])
                #expect(answer.status == .contentTooLarge, "\(method) \(path): \(answer.status)")
                #expect(answer.json["field"]?.string == "body", "\(method) \(path): \(answer.text)")
                #expect(answer.json["error"]?.string?.contains("1000 bytes") == true)
            }
            // Uploads have their own, larger limit.
            let csv = "a,b\n" + String(repeating: "1,2\n", count: 500)
            #expect(try await client.call(.post, "/api/v1/datasets?name=mid", key: key, body: csv).status == .created)
            #expect(try await client.call(.post, "/api/v1/datasets?name=big", key: key, body: csv + csv).status == .contentTooLarge)
        }
        await service.stop()
    }

    @Test func tenantsAreRateLimitedApart() async throws {
        let service = try await TestService.make(workers: 0) {
            // One token per 100 s: the burst cannot refill while the test runs, however slow the machine.
            $0.limits.requestsPerSecond = 0.01
            $0.limits.burst = 4
        }
        try await service.application.test(.router) { client in
            // The admin's own bucket pays for creating the tenants.
            let alpha = try await service.tenant("alpha", client: client)
            let beta = try await service.tenant("beta", client: client)
            for _ in 0..<4 { #expect(try await client.call(.get, "/api/v1/datasets", key: alpha).status == .ok) }
            let limited = try await client.call(.get, "/api/v1/datasets", key: alpha)
            #expect(limited.status == .tooManyRequests)
            #expect((Int(limited.headers[.retryAfter] ?? "") ?? 0) > 60, "about 100 s to the next token")
            #expect(limited.json["error"]?.string?.contains("rate limit") == true)
            #expect(try await client.call(.get, "/api/v1/datasets", key: beta).status == .ok)
            // Health checks are not metered.
            for _ in 0..<5 { #expect(try await client.call(.get, "/v2/health/live").status == .ok) }
        }
        await service.stop()
    }

    @Test func inferenceConcurrencyIsCappedPerTenant() async throws {
        let service = try await TestService.make(workers: 1) { $0.limits.maxConcurrentInferences = 1 }
        try await service.application.test(.router) { client in
            let key = try await service.tenant("busy", client: client)
            let name = try await service.trainAndDeploy(key: key, client: client)
            let body: JSON = ["inputs": [["name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]]]]
            #expect(try await client.call(.post, "/v2/models/\(name)/infer", key: key, json: body).status == .ok)
            // One inference in progress for this tenant: the next one is refused, other routes are not.
            let tenantID = try await service.platform.auth.authenticate(authorization: "Bearer \(key)").tenantID
            let slot = try service.platform.limiter.beginInference(tenantID: tenantID)
            let refused = try await client.call(.post, "/v2/models/\(name)/infer", key: key, json: body)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(try await client.call(.post, "/v1/models/\(name):predict", key: key, json: ["instances": [[1, 2]]]).status == .tooManyRequests)
            #expect(try await client.call(.get, "/v2/models/\(name)", key: key).status == .ok)
            slot.release()
            #expect(try await client.call(.post, "/v2/models/\(name)/infer", key: key, json: body).status == .ok)
            #expect(service.platform.limiter.inferencesInProgress(tenantID: tenantID) == 0, "every answer gave its place back")
        }
        await service.stop()
    }

    @Test func stalledClientsAreDropped() async throws {
        var options = OrchardServer.Options()
        options.idleTimeoutSeconds = 1
        let service = try await TestService.make(workers: 0, options: options)
        try await service.application.test(.live) { client in
            let port = try #require(client.port)
            // Headers of a request with a body, then nothing.
            let stalledBody = try RawSocket(port: port)
            let start = Date()
            stalledBody.send("POST /api/v1/datasets?name=slow HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(TestService.adminKey)\r\n"
                             + "Content-Length: 1000\r\n\r\nid,x\n")
            // Half the headers, then nothing.
            let stalledHead = try RawSocket(port: port)
            stalledHead.send("GET /v2/health/live HTTP/1.1\r\nHost: local")
            let first = stalledBody.readUntilClosed(timeout: 10)
            let second = stalledHead.readUntilClosed(timeout: 10)
            #expect(first.closed && second.closed, "a stalled connection stayed open")
            #expect(Date().timeIntervalSince(start) < 6)
            // A well-behaved client on a kept-alive connection is served.
            let polite = try RawSocket(port: port)
            polite.send("GET /v2/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(polite.readResponse(timeout: 30)?.status == 200)
            // (The test client's own kept-alive connection has been idle too long by now: it was closed as well.)
        }
        await service.stop()
    }

    @Test func largeUploadsStreamAndOversizedOnesLeaveNothing() async throws {
        let service = try await TestService.make(workers: 0, maxUploadBytes: 8 << 20)
        try await service.application.test(.live) { client in
            let key = try await service.tenant("bulk", client: client)
            // ~4 MB of CSV in one request (many NIO reads, several 1 MiB writes).
            var csv = "a,b,c\n"
            csv.reserveCapacity(5 << 20)
            for row in 0..<300_000 { csv += "\(row),\(row % 97),\(row % 13)\n" }
            let uploaded = try await client.call(.post, "/api/v1/datasets?name=bulk", key: key, body: csv)
            #expect(uploaded.status == .created, "\(uploaded.text.prefix(200))")
            #expect(uploaded.json["rows"]?.int == 300_000)
            #expect(uploaded.json["bytes"]?.int == csv.utf8.count)
            let sha = try #require(uploaded.json["sha256"]?.string)
            let stored = try service.platform.artifacts.fileURL(for: sha)
            #expect(try Data(contentsOf: stored) == Data(csv.utf8))

            let artifacts = service.directory.appendingPathComponent("artifacts")
            func files(_ folder: String) -> [String] {
                (FileManager.default.enumerator(atPath: artifacts.appendingPathComponent(folder).path)?.allObjects ?? [])
                    .compactMap { $0 as? String }.filter { $0.count == 67 || folder == "tmp" }
            }
            let before = files("sha256")
            // Chunked, so the server only learns the size as it streams: 413 past the
            // limit, no file kept, no temporary left, no dataset.
            let port = try #require(client.port)
            let socket = try RawSocket(port: port)
            socket.send("POST /api/v1/datasets?name=huge HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(key)\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n")
            let chunk = Data(String(repeating: "1,2,3\n", count: 1 << 16).utf8)
            for _ in 0..<(12 << 20) / chunk.count {
                socket.send(String(chunk.count, radix: 16) + "\r\n")
                socket.send(chunk)
                socket.send("\r\n")
            }
            socket.send("0\r\n\r\n")
            let answer = try #require(socket.readResponse(timeout: 30))
            #expect(answer.status == 413, "\(answer.headers)")
            #expect(answer.body.contains("\"field\":\"body\""))
            #expect(files("sha256") == before)
            #expect(try await Self.eventually { files("tmp").isEmpty }, "\(files("tmp"))")
            #expect(try await client.call(.get, "/api/v1/datasets", key: key).json["datasets"]?.array?.count == 1)
        }
        await service.stop()
    }

    static func eventually(_ check: () -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if check() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }
}
