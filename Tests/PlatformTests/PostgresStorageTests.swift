import Foundation
@testable import Platform
import Testing

/// PostgreSQL as the shared backend of several nodes: migrations once,
/// data across reconnects, and two nodes (two connections) claiming from
/// one queue concurrently without ever sharing a job.
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

    @Test func twoNodesClaimingConcurrentlyNeverShareAJob() async throws {
        let url = try await PostgresTestDatabase.fresh()
        let nodeA = MetadataStore(storage: try await DatabaseURL.open(url))
        let nodeB = MetadataStore(storage: try await DatabaseURL.open(url))
        let count = 40
        for index in 0..<count { try await (index % 2 == 0 ? nodeA : nodeB).createJob(JobQueueTests.job("job_\(index)")) }
        // A finished and a cancel-requested job are never claimed.
        try await nodeA.createJob(JobQueueTests.job("job_done"))
        try await nodeA.updateJob(id: "job_done") { $0.status = .succeeded }
        try await nodeA.createJob(JobQueueTests.job("job_cancel"))
        try await nodeA.updateJob(id: "job_cancel") { $0.cancelRequested = true }
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<16 {
                let store = worker % 2 == 0 ? nodeA : nodeB
                group.addTask {
                    var mine: [String] = []
                    while let job = try await store.leaseJob(owner: "w\(worker)", seconds: 60) {
                        #expect(job.leaseOwner == "w\(worker)" && job.status == .running && job.attempts == 1)
                        mine.append(job.id)
                    }
                    return mine
                }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(claims.count == count)
        #expect(Set(claims).count == count, "a job was claimed twice")
        let stored = try await nodeB.jobs()
        #expect(stored.filter { $0.status == .running }.count == count)
        #expect(stored.allSatisfy { $0.status != .running || ($0.startedAt != nil && $0.leaseExpiresAt != nil) })
        // An expired lease goes back to the queue (a dead node's job), with the attempt counted.
        let later = Date().addingTimeInterval(120)
        let reclaimed = try #require(try await nodeA.leaseJob(owner: "survivor", now: later, seconds: 60))
        #expect(reclaimed.attempts == 2)
        #expect(reclaimed.leaseOwner == "survivor")
        try await nodeA.storage.close()
        try await nodeB.storage.close()
    }
}
