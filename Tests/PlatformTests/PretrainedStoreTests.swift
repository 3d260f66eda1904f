import Foundation
import Platform
import Testing

/// Pretrained-model registrations on every metadata backend.
@Suite struct PretrainedStoreTests {
    @Test(arguments: StoreBackend.allCases)
    func registrationsAreKeptInOrderAndUnique(backend: StoreBackend) async throws {
        let store = try await backend.make()
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let chat = PretrainedRegistration(name: "smol", kind: .llm, path: "/models/smol.gguf", tenants: ["t1", "t2"], parallel: 2,
                                          contextLength: 1024, createdAt: created)
        let vectors = PretrainedRegistration(name: "minilm", kind: .embeddings, path: "/models/minilm", createdAt: created)
        try await store.createPretrained(chat)
        try await store.createPretrained(vectors)
        await #expect(throws: ServiceError.conflict("a pretrained model named 'smol' is already registered")) {
            try await store.createPretrained(PretrainedRegistration(name: "smol", kind: .embeddings, path: "/x"))
        }
        #expect(try await store.pretrainedRegistrations() == [chat, vectors])
        #expect(try await store.deletePretrained(name: "smol"))
        #expect(try await !store.deletePretrained(name: "smol"))
        #expect(try await store.pretrainedRegistrations() == [vectors])
        try await store.storage.close()
    }

    @Test func visibility() {
        let open = PretrainedRegistration(name: "a", kind: .llm, path: "/a")
        let closed = PretrainedRegistration(name: "b", kind: .llm, path: "/b", tenants: ["t1"])
        let t1 = Principal(tenantID: "t1", isAdmin: false, keyPrefix: "k1")
        let t2 = Principal(tenantID: "t2", isAdmin: false, keyPrefix: "k2")
        let admin = Principal(tenantID: Tenant.adminID, isAdmin: true, keyPrefix: "k0")
        #expect(open.isVisible(to: t1) && open.isVisible(to: t2))
        #expect(closed.isVisible(to: t1) && !closed.isVisible(to: t2) && closed.isVisible(to: admin))
    }
}
