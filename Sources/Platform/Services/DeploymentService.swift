import Foundation
import NeuralNet

/// Deployments: records in the store plus, per deployment, the loaded model
/// versions that serve its traffic. Runtimes load on create/patch and,
/// after a restart, on first use.
public final class DeploymentService: @unchecked Sendable {
    let store: MetadataStore
    let artifacts: any ArtifactStore
    private let lock = NSLock()
    /// One load at a time, so concurrent first requests load a deployment once.
    private let loading = AsyncMutex()
    /// "tenant/name" → loaded versions
    private var runtimes: [String: (deployment: Deployment, models: [Int: LoadedModel])] = [:]
    /// "tenant/name" → why its last load failed; and loads started by readiness probes.
    private var loadFailures: [String: String] = [:]
    private var backgroundLoads: Set<String> = []
    private var warmingUp = false

    init(store: MetadataStore, artifacts: any ArtifactStore) {
        self.store = store
        self.artifacts = artifacts
    }

    static let createFields: Set<String> = ["name", "model", "version", "replicas", "max_batch_size", "max_queue_delay_ms", "traffic"]
    static let patchFields: Set<String> = ["version", "traffic", "rollback", "replicas", "max_batch_size", "max_queue_delay_ms"]

    public func create(_ body: JSONValue, by principal: Principal) async throws -> Deployment {
        guard let object = body.object else { throw ServiceError.invalid(field: nil, message: "the body must be a JSON object") }
        try DeploymentService.rejectUnknown(object, allowed: DeploymentService.createFields)
        guard let name = object["name"]?.string else { throw ServiceError.invalid(field: "name", message: "required: a string") }
        try ResourceName.validate(name, field: "name")
        guard let model = object["model"]?.string else { throw ServiceError.invalid(field: "model", message: "required: a model name") }
        var deployment = Deployment(tenantID: principal.tenantID, name: name, model: model, traffic: [:], replicas: 1,
                                    maxBatchSize: 32, maxQueueDelayMilliseconds: 2)
        try await apply(object, to: &deployment, creating: true)
        try await store.createDeployment(deployment)
        do { try await load(deployment) } catch {
            _ = try? await store.deleteDeployment(tenantID: principal.tenantID, name: name)
            throw error
        }
        return deployment
    }

    static func rejectUnknown(_ object: [String: JSONValue], allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ServiceError.invalid(field: unknown, message: "unknown field; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// Applies version/traffic/rollback/sizing fields, checking versions exist.
    func apply(_ object: [String: JSONValue], to deployment: inout Deployment, creating: Bool) async throws {
        func integer(_ field: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value = object[field], !value.isNull else { return nil }
            guard let number = value.int, range.contains(number) else {
                throw ServiceError.invalid(field: field, message: "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(value.brief)")
            }
            return number
        }
        if let replicas = try integer("replicas", 1...16) { deployment.replicas = replicas }
        if let size = try integer("max_batch_size", 1...65536) { deployment.maxBatchSize = size }
        if let value = object["max_queue_delay_ms"], !value.isNull {
            guard let delay = value.number, (0...10_000).contains(delay) else {
                throw ServiceError.invalid(field: "max_queue_delay_ms", message: "expected a number in 0...10000, found \(value.brief)")
            }
            deployment.maxQueueDelayMilliseconds = delay
        }
        var traffic: [Int: Int]?
        if let version = try integer("version", 1...Int(Int32.max)) { traffic = [version: 100] }
        if let value = object["traffic"], !value.isNull {
            guard let split = value.object, !split.isEmpty else {
                throw ServiceError.invalid(field: "traffic", message: "expected an object of version → weight, e.g. {\"3\": 90, \"4\": 10}")
            }
            var parsed: [Int: Int] = [:]
            for (key, weight) in split {
                guard let version = Int(key), version > 0, let share = weight.int, share >= 0 else {
                    throw ServiceError.invalid(field: "traffic.\(key)", message: "expected a version number mapped to a non-negative integer weight")
                }
                parsed[version] = share
            }
            guard parsed.values.reduce(0, +) > 0 else { throw ServiceError.invalid(field: "traffic", message: "the weights sum to 0") }
            traffic = parsed
        }
        if object["rollback"]?.bool == true {
            guard let previous = deployment.previousTraffic else {
                throw ServiceError.conflict("deployment '\(deployment.name)' has no previous version to roll back to")
            }
            traffic = previous
        }
        if creating, traffic == nil {
            // The newest version by default.
            let versions = try await store.modelVersions(tenantID: deployment.tenantID, name: deployment.model)
            guard let newest = versions.map(\.version).max() else {
                throw ServiceError.invalid(field: "model", message: "no model named '\(deployment.model)'")
            }
            traffic = [newest: 100]
        }
        if let traffic {
            for version in traffic.keys {
                guard try await store.modelVersion(tenantID: deployment.tenantID, name: deployment.model, version: version) != nil else {
                    throw ServiceError.invalid(field: object["traffic"] != nil ? "traffic" : "version",
                                               message: "model '\(deployment.model)' has no version \(version)")
                }
            }
            if !creating, traffic != deployment.traffic { deployment.previousTraffic = deployment.traffic }
            deployment.traffic = traffic
        }
    }

    public func patch(name: String, _ body: JSONValue, by principal: Principal) async throws -> Deployment {
        guard let object = body.object else { throw ServiceError.invalid(field: nil, message: "the body must be a JSON object") }
        try DeploymentService.rejectUnknown(object, allowed: DeploymentService.patchFields)
        var deployment = try await get(name: name, by: principal)
        try await apply(object, to: &deployment, creating: false)
        deployment.updatedAt = Date()
        try await load(deployment)
        try await store.updateDeployment(deployment)
        return deployment
    }

    public func get(name: String, by principal: Principal) async throws -> Deployment {
        guard let deployment = try await store.deployment(tenantID: principal.tenantID, name: name) else {
            throw ServiceError.notFound(kind: "deployment", id: name)
        }
        return deployment
    }

    public func list(by principal: Principal) async throws -> [Deployment] {
        try await store.deployments(tenantID: principal.tenantID)
    }

    public func delete(name: String, by principal: Principal) async throws {
        guard try await store.deleteDeployment(tenantID: principal.tenantID, name: name) else {
            throw ServiceError.notFound(kind: "deployment", id: name)
        }
        let removed = lock.withLock { runtimes.removeValue(forKey: principal.tenantID + "/" + name) }
        removed?.models.values.forEach { $0.stop() }
    }

    /// Loads the versions a deployment routes to (reusing loaded ones with the same sizing).
    func load(_ deployment: Deployment) async throws {
        try await loading.withLock { try await loadLocked(deployment) }
    }

    private func loadLocked(_ deployment: Deployment) async throws {
        let key = deployment.tenantID + "/" + deployment.name
        do {
            try await loadVersions(deployment, key: key)
            lock.withLock { _ = loadFailures.removeValue(forKey: key) }
        } catch {
            lock.withLock { loadFailures[key] = (error as? ServiceError)?.description ?? "\(error)" }
            throw error
        }
    }

    private func loadVersions(_ deployment: Deployment, key: String) async throws {
        let current = lock.withLock { runtimes[key] }
        let sameSizing = current.map {
            $0.deployment.replicas == deployment.replicas && $0.deployment.maxBatchSize == deployment.maxBatchSize
                && $0.deployment.maxQueueDelayMilliseconds == deployment.maxQueueDelayMilliseconds
        } ?? false
        var models: [Int: LoadedModel] = [:]
        for version in deployment.traffic.keys.sorted() {
            if sameSizing, let loaded = current?.models[version] {
                models[version] = loaded
                continue
            }
            guard let record = try await store.modelVersion(tenantID: deployment.tenantID, name: deployment.model, version: version) else {
                throw ServiceError.invalid(field: "version", message: "model '\(deployment.model)' has no version \(version)")
            }
            let artifacts = self.artifacts
            models[version] = try await ThreadBridge.run(name: "orchard-load") {
                try LoadedModel(version: record, artifacts: artifacts, replicas: deployment.replicas,
                                maxBatchSize: deployment.maxBatchSize,
                                maxQueueDelay: deployment.maxQueueDelayMilliseconds / 1000)
            }
        }
        let replaced = lock.withLock { () -> [LoadedModel] in
            let old = runtimes[key]?.models.values.filter { old in !models.values.contains { $0 === old } } ?? []
            runtimes[key] = (deployment, models)
            return old
        }
        replaced.forEach { $0.stop() }
    }

    /// The loaded model that serves a request: an explicit `version` (which
    /// must be routed), else one chosen by the traffic weights.
    public func route(name: String, version: String? = nil, by principal: Principal) async throws -> LoadedModel {
        let key = principal.tenantID + "/" + name
        var runtime = lock.withLock { runtimes[key] }
        if runtime == nil {
            let deployment = try await get(name: name, by: principal)
            try await loading.withLock {
                if lock.withLock({ runtimes[key] }) == nil { try await loadLocked(deployment) }
            }
            runtime = lock.withLock { runtimes[key] }
        }
        guard let runtime else { throw ServiceError.notFound(kind: "deployment", id: name) }
        if let version {
            guard let number = Int(version), let model = runtime.models[number] else {
                throw ServiceError.notFound(kind: "version of deployment '\(name)'", id: version)
            }
            return model
        }
        let weighted = runtime.deployment.traffic.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        let total = weighted.reduce(0) { $0 + $1.value }
        var pick = Int.random(in: 0..<max(total, 1))
        for (version, weight) in weighted {
            if pick < weight, let model = runtime.models[version] { return model }
            pick -= weight
        }
        guard let model = runtime.models[runtime.deployment.primaryVersion] else {
            throw ServiceError.unavailable("deployment '\(name)' has no loaded version")
        }
        return model
    }

    /// Whether a deployment (or one routed version of it) has its replicas
    /// loaded: nil when ready, else why not. 404 for an unknown deployment
    /// or version. A deployment that is not loaded, and not known to fail,
    /// starts loading in the background, so probes never wait for a load.
    public func notReadyReason(name: String, version: String? = nil, by principal: Principal) async throws -> String? {
        let deployment = try await get(name: name, by: principal)
        var wanted = deployment.traffic.filter { $0.value > 0 }.map(\.key)
        if let version {
            guard let number = Int(version), deployment.traffic[number] != nil else {
                throw ServiceError.notFound(kind: "version of deployment '\(name)'", id: version)
            }
            wanted = [number]
        }
        let key = deployment.tenantID + "/" + deployment.name
        let (loaded, failure, startLoad): ([Int], String?, Bool) = lock.withLock {
            let loaded = runtimes[key].map { Array($0.models.keys) } ?? []
            let failure = loadFailures[key]
            let missing = wanted.contains { !loaded.contains($0) }
            let start = missing && failure == nil && !backgroundLoads.contains(key) && !warmingUp
            if start { backgroundLoads.insert(key) }
            return (loaded, failure, start)
        }
        let missing = wanted.filter { !loaded.contains($0) }.sorted()
        guard !missing.isEmpty else { return nil }
        if let failure { return "deployment '\(name)' failed to load: \(failure)" }
        if startLoad {
            Task {
                try? await self.load(deployment)
                self.lock.withLock { _ = self.backgroundLoads.remove(key) }
            }
        }
        return "deployment '\(name)' is loading version(s) \(missing.map(String.init).joined(separator: ", "))"
    }

    /// Loads every stored deployment in the background (after a restart),
    /// so the first requests do not wait; failures are kept for readiness.
    func warmUp() -> Task<Void, Never> {
        lock.withLock { warmingUp = true }
        return Task {
            defer { self.lock.withLock { self.warmingUp = false } }
            guard let all = try? await self.store.deployments(tenantID: nil) else { return }
            for deployment in all {
                if Task.isCancelled { return }
                try? await self.load(deployment)
            }
        }
    }

    /// Whether the start-up warm-up is still loading deployments.
    public var isWarmingUp: Bool { lock.withLock { warmingUp } }

    /// Stops every replica thread.
    public func shutdown() {
        let all = lock.withLock { () -> [LoadedModel] in
            let all = runtimes.values.flatMap { $0.models.values }
            runtimes = [:]
            return all
        }
        all.forEach { $0.stop() }
    }
}
