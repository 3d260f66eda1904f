import Foundation
import NeuralNet
import Platform
import Testing

/// One suite, every backend: the in-memory storage, SQLite (a file, WAL) and
/// PostgreSQL (a fresh database on the test server, when scripts/test runs one).
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible {
    case memory, sqlite, postgres
    var testDescription: String { rawValue }

    static var allCases: [StoreBackend] { PostgresTestDatabase.serverURL == nil ? [.memory, .sqlite] : [.memory, .sqlite, .postgres] }

    func make() async throws -> MetadataStore {
        switch self {
        case .memory:
            return MetadataStore(storage: MemoryDocumentStorage())
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-store-\(UUID().uuidString).sqlite").path
            return MetadataStore(storage: try await SQLDocumentStorage.openSQLite(path: path))
        case .postgres:
            return MetadataStore(storage: try await DatabaseURL.open(try await PostgresTestDatabase.fresh()))
        }
    }
}

@Suite struct MetadataStoreConformanceTests {
    static func job(_ id: String, tenant: String = "t1", dataset: String = "ds_1") -> Job {
        Job(id: id, tenantID: tenant, request: JobRequest(dataset: dataset, target: "y", model: ["layers": []], registerAs: "m"))
    }

    @Test(arguments: StoreBackend.allCases)
    func tenantsAndKeys(backend: StoreBackend) async throws {
        let store = try await backend.make()
        try await store.createTenant(Tenant(id: "t1", name: "alpha"))
        await #expect(throws: ServiceError.self) { try await store.createTenant(Tenant(id: "t2", name: "alpha")) }
        #expect(try await store.tenant(id: "t1")?.name == "alpha")
        #expect(try await store.tenant(id: "nope") == nil)
        try await store.createKey(APIKey(prefix: "ork_abc", hash: "h1", tenantID: "t1", isAdmin: false))
        try await store.createKey(APIKey(prefix: "ork_def", hash: "h2", tenantID: "t2", isAdmin: false))
        #expect(try await store.key(hash: "h1")?.tenantID == "t1")
        #expect(try await store.keys(tenantID: "t1").count == 1)
        #expect(try await store.keys().count == 2)
        #expect(try await store.revokeKeys(prefix: "ork_abc") == 1)
        #expect(try await store.key(hash: "h1")?.revokedAt != nil)
        #expect(try await store.revokeKeys(prefix: "ork_abc") == 0)
        try await store.storage.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func auditLogPagesNewestFirstPerTenant(backend: StoreBackend) async throws {
        let store = try await backend.make()
        let tenants = ["t1", "t2", nil]
        for i in 0..<10 {
            try await store.appendAudit(AuditEvent(id: "aud_\(i)", time: Date(timeIntervalSince1970: 1_700_000_000 + Double(i)),
                                                   tenantID: tenants[i % 3], keyPrefix: "ork_\(i)", admin: false,
                                                   method: "POST", path: "/api/v1/x/\(i)", status: 200 + i))
        }
        #expect(try await store.auditEvents(tenantID: nil, limit: 4).map(\.id) == ["aud_9", "aud_8", "aud_7", "aud_6"])
        #expect(try await store.auditEvents(tenantID: nil, limit: 4, before: "aud_6").map(\.id) == ["aud_5", "aud_4", "aud_3", "aud_2"])
        #expect(try await store.auditEvents(tenantID: nil, limit: 4, before: "aud_2").map(\.id) == ["aud_1", "aud_0"])
        #expect(try await store.auditEvents(tenantID: "t1", limit: 10).map(\.id) == ["aud_9", "aud_6", "aud_3", "aud_0"])
        #expect(try await store.auditEvents(tenantID: "t2", limit: 2, before: "aud_7").map(\.id) == ["aud_4", "aud_1"])
        #expect(try await store.auditEvents(tenantID: "-", limit: 10).map(\.id) == ["aud_8", "aud_5", "aud_2"])
        #expect(try await store.auditEvents(tenantID: nil, limit: 10, before: "aud_unknown").isEmpty)
        let event = try #require(try await store.auditEvents(tenantID: "t1", limit: 1).first)
        #expect(event == AuditEvent(id: "aud_9", time: Date(timeIntervalSince1970: 1_700_000_009), tenantID: "t1", keyPrefix: "ork_9",
                                    admin: false, method: "POST", path: "/api/v1/x/9", status: 209))
        try await store.storage.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func datasetsAreTenantScopedAndHeldByJobs(backend: StoreBackend) async throws {
        let store = try await backend.make()
        let dataset = Dataset(id: "ds_1", tenantID: "t1", name: "d", format: "csv", rows: 3, bytes: 10, sha256: "abc", schema: [],
                              createdAt: Date(timeIntervalSince1970: 1_700_000_000.25))
        try await store.createDataset(dataset)
        #expect(try await store.dataset(tenantID: "t1", id: "ds_1") == dataset)
        #expect(try await store.dataset(tenantID: "t2", id: "ds_1") == nil)
        #expect(try await store.datasets(tenantID: "t2").isEmpty)
        try await store.createJob(Self.job("job_1"))
        await #expect(throws: ServiceError.conflict("dataset 'ds_1' is used by job 'job_1' (queued)")) {
            _ = try await store.deleteDataset(tenantID: "t1", id: "ds_1")
        }
        await #expect(throws: ServiceError.notFound(kind: "dataset", id: "ds_1")) {
            _ = try await store.deleteDataset(tenantID: "t2", id: "ds_1")
        }
        try await store.updateJob(id: "job_1") { $0.status = .failed }
        #expect(try await store.deleteDataset(tenantID: "t1", id: "ds_1").id == "ds_1")
        #expect(try await store.datasets(tenantID: "t1").isEmpty)
        try await store.storage.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func jobLeasesAreExclusiveAndExpire(backend: StoreBackend) async throws {
        let store = try await backend.make()
        try await store.createJob(Self.job("job_a"))
        try await store.createJob(Self.job("job_b", tenant: "t2"))
        let now = Date()
        // Oldest first; a leased job is not leased again while its lease holds.
        let first = try #require(try await store.leaseJob(owner: "w1", now: now, seconds: 10))
        #expect(first.id == "job_a")
        #expect(first.status == .running)
        #expect(first.attempts == 1)
        let second = try #require(try await store.leaseJob(owner: "w2", now: now, seconds: 10))
        #expect(second.id == "job_b")
        #expect(try await store.leaseJob(owner: "w3", now: now, seconds: 10) == nil)
        #expect(try await store.renewLease(jobID: "job_a", owner: "w1", until: now.addingTimeInterval(20)))
        #expect(try await store.renewLease(jobID: "job_a", owner: "w2", until: now.addingTimeInterval(20)) == false)
        // Expired: another worker takes it over; the old owner's renewals fail.
        let later = now.addingTimeInterval(25)
        let taken = try #require(try await store.leaseJob(owner: "w3", now: later, seconds: 10))
        #expect(taken.id == "job_a")
        #expect(taken.attempts == 2)
        #expect(try await store.renewLease(jobID: "job_a", owner: "w1", until: later) == false)
        #expect(try await store.jobs(tenantID: "t1").map(\.id) == ["job_a"])
        #expect(try await store.job(tenantID: "t2", id: "job_a") == nil)
        try await store.storage.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentLeasesNeverShareAJob(backend: StoreBackend) async throws {
        let store = try await backend.make()
        for index in 0..<10 { try await store.createJob(Self.job("job_\(index)")) }
        let leased = try await withThrowingTaskGroup(of: String?.self) { group in
            for worker in 0..<16 {
                group.addTask { try await store.leaseJob(owner: "w\(worker)", seconds: 60)?.id }
            }
            var ids: [String] = []
            for try await id in group { if let id { ids.append(id) } }
            return ids
        }
        #expect(leased.count == 10)
        #expect(Set(leased).count == 10)
        try await store.storage.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func eventsModelVersionsAndDeployments(backend: StoreBackend) async throws {
        let store = try await backend.make()
        for sequence in 1...3 {
            try await store.appendEvent(JobEvent(jobID: "job_1", sequence: sequence, type: "epoch", data: ["epoch": .number(Double(sequence))]))
        }
        try await store.appendEvent(JobEvent(jobID: "job_2", sequence: 1, type: "status", data: ["status": "queued"]))
        #expect(try await store.events(jobID: "job_1").map(\.sequence) == [1, 2, 3])

        let lineage = ModelVersion.Lineage(datasetID: "ds", datasetSHA256: "abc", jobID: "job_1", seed: 1, orchardVersion: "0.1.0")
        let base = ModelVersion(tenantID: "t1", name: "m", version: 0, spec: [:], metrics: [:], lineage: lineage, files: [:])
        #expect(try await store.createModelVersion(base).version == 1)
        #expect(try await store.createModelVersion(base).version == 2)
        var other = base
        other.tenantID = "t2"
        #expect(try await store.createModelVersion(other).version == 1)
        #expect(try await store.modelVersions(tenantID: "t1", name: "m").map(\.version) == [1, 2])

        let deployment = Deployment(tenantID: "t1", name: "d", model: "m", traffic: [1: 90, 2: 10], replicas: 2, maxBatchSize: 8,
                                    maxQueueDelayMilliseconds: 2)
        try await store.createDeployment(deployment)
        await #expect(throws: ServiceError.self) { try await store.createDeployment(deployment) }
        #expect(try await store.deployment(tenantID: "t1", name: "d")?.traffic == [1: 90, 2: 10])
        #expect(try await store.deployment(tenantID: "t2", name: "d") == nil)
        await #expect(throws: ServiceError.conflict("model 'm' version 2 is deployed as 'd'")) {
            try await store.deleteModelVersion(tenantID: "t1", name: "m", version: 2)
        }
        #expect(try await store.deleteDeployment(tenantID: "t1", name: "d"))
        try await store.deleteModelVersion(tenantID: "t1", name: "m", version: 2)
        #expect(try await store.modelVersions(tenantID: "t1").map(\.version) == [1])
        try await store.storage.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func failedTransactionsLeaveNoTrace(backend: StoreBackend) async throws {
        let store = try await backend.make()
        try await store.createJob(Self.job("job_1"))
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await store.updateJob(id: "job_1") { job in
                job.progress = 0.5
                throw Boom()
            }
        }
        #expect(try await store.job(id: "job_1")?.progress == 0)
        try await store.storage.close()
    }

    @Test func sqliteMigratesOnceAndKeepsDataAcrossReopen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-reopen-\(UUID().uuidString).sqlite").path
        let first = try await SQLDocumentStorage.openSQLite(path: path)
        #expect(try await first.schemaVersion() == SQLDocumentStorage.migrations.last?.version)
        try await MetadataStore(storage: first).createTenant(Tenant(id: "t1", name: "kept"))
        try await first.close()
        let second = try await SQLDocumentStorage.open(url: "sqlite://" + path)
        #expect(try await MetadataStore(storage: second).tenant(id: "t1")?.name == "kept")
        try await second.close()
        await #expect(throws: ServiceError.self) { _ = try await SQLDocumentStorage.open(url: "mysql://x") }
    }
}
