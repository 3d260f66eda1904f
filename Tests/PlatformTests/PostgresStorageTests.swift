import Foundation
@testable import Platform
import Testing

/// PostgreSQL as the shared backend of several nodes: migrations once, data
/// across reconnects, the claim's rules (JobQueueTests runs two nodes on it).
@Suite(.enabled(if: PostgresTestDatabase.serverURL != nil, "scripts/test starts a PostgreSQL server (scripts/postgres)"))
struct PostgresStorageTests {
    @Test func migratesOnceAndKeepsDataAcrossReconnects() async throws {
        let url = try await PostgresTestDatabase.fresh()
        let first = try await PostgresDocumentStorage.open(url: url)
        let second = try await PostgresDocumentStorage.open(url: url)   // a second node: migrations already applied
        #expect(try await first.schemaVersion() == PostgresDocumentStorage.migrations.last?.version)
        #expect(PostgresDocumentStorage.migrations.map(\.version) == SQLDocumentStorage.migrations.map(\.version))
        try await MetadataStore(storage: first).createTenant(Tenant(id: "t1", name: "kept"))
        #expect(try await MetadataStore(storage: second).tenant(id: "t1")?.name == "kept")
        try await first.close()
        await #expect(throws: ServiceError.self) { _ = try await MetadataStore(storage: first).tenants() }
        let third = try await DatabaseURL.open(url.replacingOccurrences(of: "postgres://", with: "postgresql://"))
        #expect(try await MetadataStore(storage: third).tenant(id: "t1")?.name == "kept")
        try await second.close()
        try await third.close()
    }

    @Test func unreachableOrMalformedURLsAreClearErrors() async throws {
        await #expect(throws: ServiceError.self) { _ = try await DatabaseURL.open("postgres://nobody:secret@127.0.0.1:1/none") }
        do {
            _ = try await DatabaseURL.open("postgres://nobody:secret@127.0.0.1:1/none")
        } catch {
            #expect("\(error)".contains("127.0.0.1:1"))
            #expect(!"\(error)".contains("secret"), "the password appeared in an error")
        }
        await #expect(throws: ServiceError.self) { _ = try await DatabaseURL.open("mysql://x") }
    }

    /// Finished and cancel-requested jobs are never claimed; an expired lease (a dead node's job) is, with the attempt counted.
    @Test func claimSkipsFinishedJobsAndReclaimsExpiredLeases() async throws {
        let store = MetadataStore(storage: try await DatabaseURL.open(try await PostgresTestDatabase.fresh()))
        try await store.createJob(JobQueueTests.job("job_done"))
        try await store.updateJob(id: "job_done") { $0.status = .succeeded }
        try await store.createJob(JobQueueTests.job("job_cancel"))
        try await store.updateJob(id: "job_cancel") { $0.cancelRequested = true }
        try await store.createJob(JobQueueTests.job("job_open"))
        let claimed = try #require(try await store.leaseJob(owner: "first", seconds: 60))
        #expect(claimed.id == "job_open" && claimed.attempts == 1 && claimed.startedAt != nil)
        #expect(try await store.leaseJob(owner: "second", seconds: 60) == nil)
        let reclaimed = try #require(try await store.leaseJob(owner: "survivor", now: Date().addingTimeInterval(120), seconds: 60))
        #expect(reclaimed.id == "job_open" && reclaimed.attempts == 2 && reclaimed.leaseOwner == "survivor")
        #expect(reclaimed.startedAt == claimed.startedAt)
        try await store.storage.close()
    }
}
