import Foundation
@testable import Platform
import Testing

/// The SQL job queue: one statement claims a job, through an index, and
/// two connections to one database file (two nodes) never claim the same job.
@Suite struct JobQueueTests {
    static func job(_ id: String) -> Job {
        Job(id: id, tenantID: "t1", request: JobRequest(dataset: "ds_1", target: "y", model: ["layers": []], registerAs: "m"))
    }

    static func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("orchard-queue-\(UUID().uuidString).sqlite").path
    }

    /// Two connections to one database: two processes on one SQLite file, or two nodes on one PostgreSQL database.
    enum SharedDatabase: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
        static var allCases: [SharedDatabase] { PostgresTestDatabase.serverURL == nil ? [.sqlite] : [.sqlite, .postgres] }

        func twoNodes() async throws -> (MetadataStore, MetadataStore) {
            let url = self == .sqlite ? "sqlite://" + JobQueueTests.temporaryDatabase() : try await PostgresTestDatabase.fresh()
            return (MetadataStore(storage: try await DatabaseURL.open(url)), MetadataStore(storage: try await DatabaseURL.open(url)))
        }
    }

    @Test(arguments: SharedDatabase.allCases)
    func twoNodesClaimingConcurrentlyNeverShareAJob(database: SharedDatabase) async throws {
        let (nodeA, nodeB) = try await database.twoNodes()
        let count = 40
        for index in 0..<count { try await (index % 2 == 0 ? nodeA : nodeB).createJob(Self.job("job_\(index)")) }
        // 24 workers on each node keep claiming until the queue is empty.
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<48 {
                let store = worker % 2 == 0 ? nodeA : nodeB
                group.addTask {
                    var mine: [String] = []
                    while let job = try await store.leaseJob(owner: "w\(worker)", seconds: 60) {
                        #expect(job.leaseOwner == "w\(worker)")
                        #expect(job.status == .running)
                        #expect(job.attempts == 1)
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
        #expect(stored.allSatisfy { $0.status == .running && $0.attempts == 1 && $0.startedAt != nil && $0.leaseExpiresAt != nil })
        try await nodeA.storage.close()
        try await nodeB.storage.close()
    }

    @Test func claimSkipsFinishedAndCancelledJobsAndUsesTheIndex() async throws {
        let storage = try await SQLDocumentStorage.openSQLite(path: Self.temporaryDatabase())
        let store = MetadataStore(storage: storage)
        for index in 0..<50 {
            var job = Self.job("done_\(index)")
            job.status = [.succeeded, .failed, .cancelled][index % 3]
            try await store.createJob(job)
        }
        var asked = Self.job("asked_to_cancel")
        asked.status = .running
        asked.cancelRequested = true
        asked.leaseOwner = "dead-worker"
        asked.leaseExpiresAt = 1  // long expired
        try await store.createJob(asked)
        try await store.createJob(Self.job("waiting"))
        let now = Date()
        let claimed = try #require(try await store.leaseJob(owner: "w1", now: now, seconds: 30))
        #expect(claimed.id == "waiting")
        #expect(abs((claimed.leaseExpiresAt ?? 0) - (now.timeIntervalSince1970 + 30)) < 0.001)
        #expect(abs((claimed.startedAt?.timeIntervalSince1970 ?? 0) - now.timeIntervalSince1970) < 0.001)
        // The orphan of a dead worker that was asked to cancel ends cancelled, not rerun.
        let orphan = try #require(try await store.job(id: "asked_to_cancel"))
        #expect(orphan.status == .cancelled)
        #expect(orphan.leaseOwner == nil)
        #expect(orphan.finishedAt != nil)
        #expect(try await store.leaseJob(owner: "w2", seconds: 30) == nil)
        // The claimed document still decodes to the same job apart from the lease fields.
        var expected = Self.job("waiting")
        expected.status = .running
        expected.leaseOwner = "w1"
        expected.attempts = 1
        let reread = try #require(try await store.job(id: "waiting"))
        expected.leaseExpiresAt = reread.leaseExpiresAt
        expected.startedAt = reread.startedAt
        expected.createdAt = reread.createdAt
        #expect(reread == expected)
        let plan = try await storage.claimQueryPlan().joined(separator: " | ")
        #expect(plan.contains("documents_job_queue"), "\(plan)")
        try await storage.close()
    }

    @Test func expiredLeasesAreReclaimedWithTheAttemptCounted() async throws {
        let store = MetadataStore(storage: try await SQLDocumentStorage.openSQLite(path: Self.temporaryDatabase()))
        try await store.createJob(Self.job("job_x"))
        let start = Date()
        _ = try #require(try await store.leaseJob(owner: "w1", now: start, seconds: 5))
        #expect(try await store.leaseJob(owner: "w2", now: start.addingTimeInterval(4), seconds: 5) == nil)
        let retaken = try #require(try await store.leaseJob(owner: "w2", now: start.addingTimeInterval(6), seconds: 5))
        #expect(retaken.attempts == 2)
        #expect(retaken.leaseOwner == "w2")
        #expect(abs((retaken.startedAt?.timeIntervalSince1970 ?? 0) - start.timeIntervalSince1970) < 0.001, "the first start is kept")
        try await store.storage.close()
    }
}
