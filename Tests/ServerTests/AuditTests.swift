import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

@Suite struct AuditTests {
    /// (method, path, status) of a page of events, oldest first.
    static func trail(_ page: JSON) -> [String] {
        (page["events"]?.array ?? []).reversed().map {
            "\($0["method"]?.string ?? "?") \($0["path"]?.string ?? "?") \($0["status"]?.int ?? 0)"
        }
    }

    @Test func changesAndRefusalsAreRecordedPerTenant() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            #expect(try await client.call(.get, "/api/v1/datasets").status == .unauthorized)
            #expect(try await client.call(.delete, "/api/v1/datasets/ds_x", key: "ork_wrong").status == .unauthorized)
            let (aliceID, alice) = try await service.tenantWithID("alice", client: client)
            let (bobID, bob) = try await service.tenantWithID("bob", client: client)
            let dataset = try await service.upload(Fixtures.classificationCSV, key: alice, client: client)
            #expect(try await client.call(.get, "/api/v1/datasets", key: alice).status == .ok)            // reads: not recorded
            #expect(try await client.call(.post, "/api/v1/tenants", key: alice, json: ["name": "eve"]).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/keys", key: alice).status == .forbidden)         // refusals: recorded
            #expect(try await client.call(.delete, "/api/v1/datasets/\(dataset)", key: alice).status == .noContent)
            #expect(try await client.call(.delete, "/api/v1/datasets/\(dataset)", key: bob).status == .notFound)

            let admin = TestService.adminKey
            let aliceTrail = try await client.call(.get, "/api/v1/audit?tenant=\(aliceID)", key: admin)
            #expect(aliceTrail.status == .ok, "\(aliceTrail.text)")
            #expect(Self.trail(aliceTrail.json) == [
                "POST /api/v1/datasets 201", "POST /api/v1/tenants 403", "GET /api/v1/keys 403", "DELETE /api/v1/datasets/\(dataset) 204",
            ])
            let events = aliceTrail.json["events"]?.array ?? []
            #expect(events.allSatisfy { $0["tenant"]?.string == aliceID && $0["admin"]?.bool == false })
            #expect(events.allSatisfy { $0["key_prefix"]?.string.map { alice.hasPrefix($0) && $0.count < alice.count } == true })
            #expect(events.first { $0["status"]?.int == 403 }?["message"]?.string?.isEmpty == false)
            #expect(!aliceTrail.text.contains(alice), "a key appeared in the audit log")

            let anonymous = try await client.call(.get, "/api/v1/audit?tenant=-", key: admin)
            #expect(Self.trail(anonymous.json) == ["GET /api/v1/datasets 401", "DELETE /api/v1/datasets/ds_x 401"])
            #expect(anonymous.json["events"]?.array?.allSatisfy { $0["tenant"] == .null && $0["key_prefix"] == .null } == true)

            // Everything, newest first, for the admin: the admin's own changes too.
            let all = try await client.call(.get, "/api/v1/audit", key: admin)
            let trail = Self.trail(all.json)
            let expectedCount = 11   // two 401s, four tenant and key creations, alice's four, bob's 404
            #expect(trail.count == expectedCount)
            #expect(trail.last == "DELETE /api/v1/datasets/\(dataset) 404")
            #expect(trail.contains("POST /api/v1/tenants 201"))
            #expect(all.json["next"] == .null)

            // A tenant key reads its own tenant's log only.
            let own = try await client.call(.get, "/api/v1/audit", key: bob)
            #expect(Self.trail(own.json) == ["DELETE /api/v1/datasets/\(dataset) 404"])
            #expect(try await client.call(.get, "/api/v1/audit?tenant=\(aliceID)", key: bob).status == .forbidden)
            #expect(try await client.call(.get, "/api/v1/audit?tenant=\(bobID)", key: bob).status == .ok)

            // Pages: `next` leads to the older events, with no gap or repeat.
            var collected: [String] = []
            var before: String?
            repeat {
                let page = try await client.call(.get, "/api/v1/audit?limit=3" + (before.map { "&before=\($0)" } ?? ""), key: admin)
                #expect(page.status == .ok)
                collected += (page.json["events"]?.array ?? []).compactMap { $0["id"]?.string }
                before = page.json["next"]?.string
            } while before != nil
            let everything = try await client.call(.get, "/api/v1/audit?limit=1000", key: admin)
            #expect(collected == (everything.json["events"]?.array ?? []).compactMap { $0["id"]?.string })
            #expect(Set(collected).count == collected.count)

            for bad in ["limit=0", "limit=1001", "limit=ten", "before=ds_1"] {
                let refused = try await client.call(.get, "/api/v1/audit?\(bad)", key: admin)
                #expect(refused.status == .badRequest, "\(bad)")
                #expect(refused.json["field"]?.string == String(bad.prefix { $0 != "=" }))
            }
        }
        await service.stop()
    }

    /// On SQLite the log outlives the process; live connections record the client's address.
    @Test func theLogIsDurableAndRecordsTheClientAddress() async throws {
        let service = try await TestService.make(workers: 0, sqlite: true)
        try await service.application.test(.live) { client in
            #expect(try await client.call(.post, "/api/v1/tenants", key: "ork_nope", json: ["name": "x"]).status == .unauthorized)
            _ = try await service.tenant("carol", client: client)
        }
        await service.platform.shutdown()
        let reopened = try await OrchardPlatform.open(dataDirectory: service.directory)
        let events = try await reopened.store.auditEvents(tenantID: nil, limit: 10)
        #expect(Array(events.map { "\($0.method) \($0.path) \($0.status)" }.reversed().prefix(2)) == ["POST /api/v1/tenants 401", "POST /api/v1/tenants 201"])
        #expect(events.allSatisfy { $0.remoteAddress == "127.0.0.1" })
        await reopened.shutdown()
        try? FileManager.default.removeItem(at: service.directory)
    }
}
