import Foundation

/// Typed access to the service's metadata, built once over any
/// `DocumentStorage` backend (memory or SQL). Methods that take a tenant
/// never return another tenant's records.
public final class MetadataStore: Sendable {
    public let storage: any DocumentStorage

    public init(storage: any DocumentStorage) {
        self.storage = storage
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    enum Collection {
        static let tenants = "tenants", keys = "api_keys", datasets = "datasets", jobs = "jobs", events = "job_events"
        static let models = "model_versions", deployments = "deployments"
    }

    // MARK: generic helpers

    func read<T: Decodable>(_ type: T.Type, _ collection: String, _ key: String, in tx: any DocumentTransaction) async throws -> T? {
        try await tx.get(collection, key: key).map { try MetadataStore.decoder.decode(T.self, from: $0) }
    }

    func write<T: Encodable>(_ value: T, _ collection: String, _ key: String, partition: String, in tx: any DocumentTransaction) async throws {
        try await tx.put(collection, key: key, partition: partition, document: MetadataStore.encoder.encode(value))
    }

    func all<T: Decodable>(_ type: T.Type, _ collection: String, partition: String?, in tx: any DocumentTransaction) async throws -> [T] {
        try await tx.list(collection, partition: partition).map { try MetadataStore.decoder.decode(T.self, from: $0) }
    }

    // MARK: tenants and keys

    /// Fails with 409 when the name is taken.
    public func createTenant(_ tenant: Tenant) async throws {
        try await storage.transaction { tx in
            let existing = try await all(Tenant.self, Collection.tenants, partition: nil, in: tx)
            if existing.contains(where: { $0.name == tenant.name || $0.id == tenant.id }) {
                throw ServiceError.conflict("a tenant named '\(tenant.name)' already exists")
            }
            try await write(tenant, Collection.tenants, tenant.id, partition: "all", in: tx)
        }
    }

    public func tenant(id: String) async throws -> Tenant? {
        try await storage.transaction { try await read(Tenant.self, Collection.tenants, id, in: $0) }
    }

    public func tenants() async throws -> [Tenant] {
        try await storage.transaction { try await all(Tenant.self, Collection.tenants, partition: nil, in: $0) }
    }

    public func createKey(_ key: APIKey) async throws {
        try await storage.transaction { try await write(key, Collection.keys, key.hash, partition: key.tenantID, in: $0) }
    }

    public func key(hash: String) async throws -> APIKey? {
        try await storage.transaction { try await read(APIKey.self, Collection.keys, hash, in: $0) }
    }

    /// All keys, or one tenant's.
    public func keys(tenantID: String? = nil) async throws -> [APIKey] {
        try await storage.transaction { try await all(APIKey.self, Collection.keys, partition: tenantID, in: $0) }
    }

    /// Marks every key with `prefix` revoked; returns how many were. Refuses
    /// (409, nothing revoked) when no active admin key would be left: the
    /// service would then have no one to manage it.
    public func revokeKeys(prefix: String, at date: Date = Date()) async throws -> Int {
        try await storage.transaction { tx in
            var count = 0
            let keys = try await all(APIKey.self, Collection.keys, partition: nil, in: tx)
            let active = keys.filter { $0.revokedAt == nil }
            if active.contains(where: { $0.prefix == prefix && $0.isAdmin }),
               !active.contains(where: { $0.prefix != prefix && $0.isAdmin }) {
                throw ServiceError.conflict("'\(prefix)' is the last active admin key; create another admin key first "
                                            + "(POST /api/v1/tenants/\(Tenant.adminID)/keys)")
            }
            for var key in active where key.prefix == prefix {
                key.revokedAt = date
                try await write(key, Collection.keys, key.hash, partition: key.tenantID, in: tx)
                count += 1
            }
            return count
        }
    }

    // MARK: datasets

    public func createDataset(_ dataset: Dataset) async throws {
        try await storage.transaction { try await write(dataset, Collection.datasets, dataset.id, partition: dataset.tenantID, in: $0) }
    }

    public func dataset(tenantID: String, id: String) async throws -> Dataset? {
        try await storage.transaction { tx in
            try await read(Dataset.self, Collection.datasets, id, in: tx).flatMap { $0.tenantID == tenantID ? $0 : nil }
        }
    }

    public func datasets(tenantID: String) async throws -> [Dataset] {
        try await storage.transaction { try await all(Dataset.self, Collection.datasets, partition: tenantID, in: $0) }
    }

    /// Deletes unless a queued or running job uses it (409).
    public func deleteDataset(tenantID: String, id: String) async throws -> Dataset {
        try await storage.transaction { tx in
            guard let dataset = try await read(Dataset.self, Collection.datasets, id, in: tx), dataset.tenantID == tenantID else {
                throw ServiceError.notFound(kind: "dataset", id: id)
            }
            let jobs = try await all(Job.self, Collection.jobs, partition: tenantID, in: tx)
            if let job = jobs.first(where: { !$0.status.isFinal && ($0.request.dataset == id || $0.request.testDataset == id) }) {
                throw ServiceError.conflict("dataset '\(id)' is used by job '\(job.id)' (\(job.status.rawValue))")
            }
            try await tx.delete(Collection.datasets, key: id)
            return dataset
        }
    }

    // MARK: jobs

    /// Stores a new job, and with it its first event (in one transaction, so
    /// a worker on any node that claims the job numbers its events after it).
    public func createJob(_ job: Job, firstEvent: JobEvent? = nil) async throws {
        try await storage.transaction { tx in
            try await write(job, Collection.jobs, job.id, partition: job.tenantID, in: tx)
            if let event = firstEvent {
                try await write(event, Collection.events, event.jobID + "/" + String(format: "%09d", event.sequence),
                                partition: event.jobID, in: tx)
            }
        }
    }

    /// Any tenant's job (workers); API callers use `job(tenantID:id:)`.
    public func job(id: String) async throws -> Job? {
        try await storage.transaction { try await read(Job.self, Collection.jobs, id, in: $0) }
    }

    public func job(tenantID: String, id: String) async throws -> Job? {
        try await job(id: id).flatMap { $0.tenantID == tenantID ? $0 : nil }
    }

    public func jobs(tenantID: String? = nil) async throws -> [Job] {
        try await storage.transaction { try await all(Job.self, Collection.jobs, partition: tenantID, in: $0) }
    }

    /// Reads, changes and writes one job atomically; returns the new state.
    @discardableResult
    public func updateJob(id: String, _ change: @Sendable (inout Job) throws -> Void) async throws -> Job {
        try await storage.transaction { tx in
            guard var job = try await read(Job.self, Collection.jobs, id, in: tx) else {
                throw ServiceError.notFound(kind: "job", id: id)
            }
            try change(&job)
            try await write(job, Collection.jobs, job.id, partition: job.tenantID, in: tx)
            return job
        }
    }

    /// Claims the oldest queued job, or a running one whose lease expired
    /// (its worker died), for `owner` until `now + seconds`. A SQL backend
    /// does it in one statement over an index (`JobQueueStorage`); others
    /// scan the jobs inside a transaction.
    public func leaseJob(owner: String, now: Date = Date(), seconds: Double) async throws -> Job? {
        let clock = now.timeIntervalSince1970
        if let queue = storage as? any JobQueueStorage {
            // A job whose worker died after cancellation was asked for ends cancelled, not rerun.
            _ = try await queue.cancelOrphanedJobs(now: clock)
            return try await queue.claimJob(owner: owner, now: clock, until: clock + seconds)
                .map { try MetadataStore.decoder.decode(Job.self, from: $0) }
        }
        return try await storage.transaction { tx in
            let candidates = try await all(Job.self, Collection.jobs, partition: nil, in: tx)
            for var orphan in candidates where orphan.status == .running && orphan.cancelRequested && (orphan.leaseExpiresAt ?? 0) < clock {
                orphan.status = .cancelled
                orphan.finishedAt = now
                orphan.leaseOwner = nil
                try await write(orphan, Collection.jobs, orphan.id, partition: orphan.tenantID, in: tx)
            }
            guard var job = candidates.first(where: { job in
                !job.cancelRequested &&
                (job.status == .queued || (job.status == .running && (job.leaseExpiresAt ?? 0) < clock))
            }) else { return nil }
            job.status = .running
            job.leaseOwner = owner
            job.leaseExpiresAt = clock + seconds
            job.attempts += 1
            if job.startedAt == nil { job.startedAt = now }
            try await write(job, Collection.jobs, job.id, partition: job.tenantID, in: tx)
            return job
        }
    }

    /// Extends a lease; false when `owner` no longer holds it.
    public func renewLease(jobID: String, owner: String, until: Date) async throws -> Bool {
        try await storage.transaction { tx in
            guard var job = try await read(Job.self, Collection.jobs, jobID, in: tx),
                  job.status == .running, job.leaseOwner == owner else { return false }
            job.leaseExpiresAt = until.timeIntervalSince1970
            try await write(job, Collection.jobs, job.id, partition: job.tenantID, in: tx)
            return true
        }
    }

    // MARK: job events

    public func appendEvent(_ event: JobEvent) async throws {
        try await storage.transaction { tx in
            let key = event.jobID + "/" + String(format: "%09d", event.sequence)
            try await write(event, Collection.events, key, partition: event.jobID, in: tx)
        }
    }

    public func events(jobID: String) async throws -> [JobEvent] {
        try await storage.transaction { try await all(JobEvent.self, Collection.events, partition: jobID, in: $0) }
    }

    /// Several events of one or more jobs in one transaction (the event hub's batched writes).
    public func appendEvents(_ events: [JobEvent]) async throws {
        guard !events.isEmpty else { return }
        try await storage.transaction { tx in
            for event in events {
                try await write(event, Collection.events, event.jobID + "/" + String(format: "%09d", event.sequence),
                                partition: event.jobID, in: tx)
            }
        }
    }

    // MARK: model versions

    /// Registers the next version of `version.name` (the number is assigned here).
    public func createModelVersion(_ version: ModelVersion) async throws -> ModelVersion {
        try await storage.transaction { tx in
            let existing = try await all(ModelVersion.self, Collection.models, partition: version.tenantID, in: tx)
                .filter { $0.name == version.name }
            var registered = version
            registered.version = (existing.map(\.version).max() ?? 0) + 1
            try await write(registered, Collection.models, MetadataStore.modelKey(registered.tenantID, registered.name, registered.version),
                            partition: registered.tenantID, in: tx)
            return registered
        }
    }

    static func modelKey(_ tenantID: String, _ name: String, _ version: Int) -> String { "\(tenantID)/\(name)/\(version)" }

    public func modelVersions(tenantID: String, name: String? = nil) async throws -> [ModelVersion] {
        try await storage.transaction { tx in
            try await all(ModelVersion.self, Collection.models, partition: tenantID, in: tx).filter { name == nil || $0.name == name }
        }
    }

    public func modelVersion(tenantID: String, name: String, version: Int) async throws -> ModelVersion? {
        try await storage.transaction {
            try await read(ModelVersion.self, Collection.models, MetadataStore.modelKey(tenantID, name, version), in: $0)
        }
    }

    /// Deletes unless a deployment routes traffic to it (409).
    public func deleteModelVersion(tenantID: String, name: String, version: Int) async throws {
        try await storage.transaction { tx in
            let key = MetadataStore.modelKey(tenantID, name, version)
            guard try await tx.get(Collection.models, key: key) != nil else {
                throw ServiceError.notFound(kind: "model version", id: "\(name)/\(version)")
            }
            let deployments = try await all(Deployment.self, Collection.deployments, partition: tenantID, in: tx)
            if let deployment = deployments.first(where: { $0.model == name && $0.traffic[version] != nil }) {
                throw ServiceError.conflict("model '\(name)' version \(version) is deployed as '\(deployment.name)'")
            }
            try await tx.delete(Collection.models, key: key)
        }
    }

    // MARK: deployments

    /// Fails with 409 when the name is taken.
    public func createDeployment(_ deployment: Deployment) async throws {
        try await storage.transaction { tx in
            let key = deployment.tenantID + "/" + deployment.name
            if try await tx.get(Collection.deployments, key: key) != nil {
                throw ServiceError.conflict("a deployment named '\(deployment.name)' already exists")
            }
            try await write(deployment, Collection.deployments, key, partition: deployment.tenantID, in: tx)
        }
    }

    public func updateDeployment(_ deployment: Deployment) async throws {
        try await storage.transaction { tx in
            try await write(deployment, Collection.deployments, deployment.tenantID + "/" + deployment.name,
                            partition: deployment.tenantID, in: tx)
        }
    }

    public func deployment(tenantID: String, name: String) async throws -> Deployment? {
        try await storage.transaction { try await read(Deployment.self, Collection.deployments, tenantID + "/" + name, in: $0) }
    }

    /// One tenant's deployments, or every tenant's (nil).
    public func deployments(tenantID: String?) async throws -> [Deployment] {
        try await storage.transaction { try await all(Deployment.self, Collection.deployments, partition: tenantID, in: $0) }
    }

    @discardableResult
    public func deleteDeployment(tenantID: String, name: String) async throws -> Bool {
        try await storage.transaction { try await $0.delete(Collection.deployments, key: tenantID + "/" + name) }
    }
}
