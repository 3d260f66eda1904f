import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

@Suite struct AuthTests {
    @Test func authenticationAndTenantMatrix() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            // Health needs no key; everything else does.
            #expect(try await client.call(.get, "/v2/health/live").status == .ok)
            #expect(try await client.call(.get, "/v2/health/ready").status == .ok)
            let missing = try await client.call(.get, "/api/v1/datasets")
            #expect(missing.status == .unauthorized)
            #expect(missing.json["error"]?.string != nil)
            #expect(try await client.call(.get, "/api/v1/datasets", key: "ork_wrong").status == .unauthorized)
            #expect(try await client.call(.get, "/v2", key: "ork_wrong").status == .unauthorized)

            let alice = try await service.tenant("alice", client: client)
            let bob = try await service.tenant("bob", client: client)
            // Tenant keys on admin routes: 403.
            #expect(try await client.call(.get, "/api/v1/keys", key: alice).status == .forbidden)
            #expect(try await client.call(.post, "/api/v1/tenants", key: alice, json: ["name": "eve"]).status == .forbidden)
            // Duplicate tenant names: 409; bad names: 400 naming the field.
            #expect(try await client.call(.post, "/api/v1/tenants", key: TestService.adminKey, json: ["name": "alice"]).status == .conflict)
            let badName = try await client.call(.post, "/api/v1/tenants", key: TestService.adminKey, json: ["name": 3])
            #expect(badName.status == .badRequest)
            #expect(badName.json["field"]?.string == "name")
            let unknownField = try await client.call(.post, "/api/v1/tenants", key: TestService.adminKey, json: ["name": "x", "color": "red"])
            #expect(unknownField.json["field"]?.string == "color")

            // Another tenant's dataset: 404, as if it did not exist.
            let dataset = try await service.upload(Fixtures.classificationCSV, key: alice, client: client)
            #expect(try await client.call(.get, "/api/v1/datasets/\(dataset)", key: alice).status == .ok)
            #expect(try await client.call(.get, "/api/v1/datasets/\(dataset)", key: bob).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/datasets/\(dataset)", key: bob).status == .notFound)
            let bobList = try await client.call(.get, "/api/v1/datasets", key: bob)
            #expect(bobList.json["datasets"]?.array?.isEmpty == true)

            // Keys are listed by prefix only, and revocable.
            let keys = try await client.call(.get, "/api/v1/keys", key: TestService.adminKey)
            #expect(!keys.text.contains(alice))
            let prefix = String(alice.prefix(AuthService.prefixLength))
            #expect(keys.json["keys"]?.array?.contains { $0["prefix"]?.string == prefix } == true)
            #expect(try await client.call(.delete, "/api/v1/keys/\(prefix)", key: TestService.adminKey).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/datasets", key: alice).status == .unauthorized)
            #expect(try await client.call(.delete, "/api/v1/keys/ork_nothing", key: TestService.adminKey).status == .notFound)
            // Keys for unknown tenants: 404.
            #expect(try await client.call(.post, "/api/v1/tenants/t_nobody/keys", key: TestService.adminKey).status == .notFound)
        }
        await service.stop()
    }

    /// The last active admin key cannot be revoked (found by schemathesis: a
    /// fuzzed DELETE /api/v1/keys/{prefix} locked every admin out); keys of the
    /// admin tenant are admin keys, so an admin can rotate its key.
    @Test func adminKeysRotateButTheLastOneStays() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let first = TestService.adminKey
            let firstPrefix = String(first.prefix(AuthService.prefixLength))
            let refused = try await client.call(.delete, "/api/v1/keys/\(firstPrefix)", key: first)
            #expect(refused.status == .conflict, "\(refused.text)")
            #expect(refused.json["error"]?.string?.contains("last active admin key") == true)
            #expect(try await client.call(.get, "/api/v1/keys", key: first).status == .ok)

            let created = try await client.call(.post, "/api/v1/tenants/\(Tenant.adminID)/keys", key: first)
            #expect(created.status == .created)
            let second = try #require(created.json["key"]?.string)
            #expect(try await client.call(.get, "/api/v1/keys", key: second).status == .ok)
            #expect(try await client.call(.delete, "/api/v1/keys/\(firstPrefix)", key: second).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/keys", key: first).status == .unauthorized)
            let secondPrefix = String(second.prefix(AuthService.prefixLength))
            #expect(try await client.call(.delete, "/api/v1/keys/\(secondPrefix)", key: second).status == .conflict)
            #expect(try await client.call(.get, "/api/v1/keys", key: second).status == .ok)

            // A tenant's keys stay tenant keys.
            let tenant = try await client.call(.post, "/api/v1/tenants", key: second, json: ["name": "dana"])
            let tenantID = try #require(tenant.json["id"]?.string)
            let tenantKey = try #require(try await client.call(.post, "/api/v1/tenants/\(tenantID)/keys", key: second).json["key"]?.string)
            #expect(try await client.call(.get, "/api/v1/datasets", key: tenantKey).status == .ok)
            #expect(try await client.call(.get, "/api/v1/keys", key: tenantKey).status == .forbidden)
        }
        await service.stop()
    }

    @Test func adminKeyIsCreatedOnceAndStoredHashed() async throws {
        let platform = try OrchardPlatform.inMemory(artifactsDirectory: FileManager.default.temporaryDirectory
            .appendingPathComponent("orchard-test-\(UUID().uuidString)"))
        let first = try await platform.auth.bootstrapAdmin(presetKey: nil)
        let key = try #require(first)
        #expect(try await platform.auth.bootstrapAdmin(presetKey: nil) == nil)
        let stored = try await platform.store.keys()
        #expect(stored.count == 1)
        #expect(stored[0].hash == AuthService.hash(key))
        #expect(stored[0].hash != key)
        let principal = try await platform.auth.authenticate(authorization: "Bearer \(key)")
        #expect(principal.isAdmin)
    }
}
