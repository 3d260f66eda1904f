import Foundation
import Logging
import NeuralNet

/// The JSON document type of the API (NeuralNet's), for the server.
public typealias JSON = NeuralNet.JSONValue

/// Everything the server calls, wired over a metadata store and an
/// artifact store. `orchard serve` builds one with SQLite and a data folder;
/// tests build one in memory.
public final class OrchardPlatform: Sendable {
    public struct Configuration: Sendable {
        public var workers = JobWorkerPool.Configuration()
        /// Largest dataset upload in bytes (413 past it).
        public var maxUploadBytes = 512 << 20
        /// Largest body of any other request in bytes (413 past it).
        public var maxRequestBytes = 16 << 20
        /// Per-tenant rate and inference concurrency limits (429 past them).
        public var limits = TenantLimiter.Configuration()
        public var orchardVersion = "0.1.0"
        /// Defaults for pretrained language and embedding models.
        public var pretrained = PretrainedModels.Configuration()
        public init() {}
    }

    public let store: MetadataStore
    public let artifacts: any ArtifactStore
    public let configuration: Configuration
    public let auth: AuthService
    public let datasets: DatasetService
    public let jobs: JobService
    public let models: ModelRegistry
    public let deployments: DeploymentService
    /// GGUF chat models and sentence-embedding models (OpenAI-compatible routes).
    public let pretrained: PretrainedModels
    public let hub: JobEventHub
    public let workers: JobWorkerPool
    public let limiter: TenantLimiter
    public let audit: AuditLog

    public init(store: MetadataStore, artifacts: any ArtifactStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.artifacts = artifacts
        self.configuration = configuration
        hub = JobEventHub(store: store)
        workers = JobWorkerPool(services: JobServices(store: store, artifacts: artifacts, hub: hub,
                                                      leaseSeconds: configuration.workers.leaseSeconds,
                                                      orchardVersion: configuration.orchardVersion),
                                configuration: configuration.workers)
        auth = AuthService(store: store)
        datasets = DatasetService(store: store, artifacts: artifacts)
        jobs = JobService(store: store, hub: hub, workers: workers)
        models = ModelRegistry(store: store, artifacts: artifacts)
        deployments = DeploymentService(store: store, artifacts: artifacts)
        pretrained = PretrainedModels(store: store, configuration: configuration.pretrained)
        limiter = TenantLimiter(configuration: configuration.limits)
        audit = AuditLog(store: store)
    }

    /// The live wiring: SQLite (or `databaseURL`) and artifacts under `dataDirectory`.
    public static func open(dataDirectory: URL, databaseURL: String? = nil, configuration: Configuration = Configuration(),
                            logger: Logger = Logger(label: "orchard")) async throws -> OrchardPlatform {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let url = databaseURL ?? "sqlite://" + dataDirectory.appendingPathComponent("orchard.sqlite").path
        let storage = try await DatabaseURL.open(url, logger: logger)
        let artifacts = try FolderArtifactStore(root: dataDirectory.appendingPathComponent("artifacts"))
        return OrchardPlatform(store: MetadataStore(storage: storage), artifacts: artifacts, configuration: configuration)
    }

    /// In memory, for tests (artifacts still need a folder).
    public static func inMemory(artifactsDirectory: URL, configuration: Configuration = Configuration()) throws -> OrchardPlatform {
        OrchardPlatform(store: MetadataStore(storage: MemoryDocumentStorage()),
                        artifacts: try FolderArtifactStore(root: artifactsDirectory), configuration: configuration)
    }

    /// Started / shutting down, for readiness.
    final class Lifecycle: @unchecked Sendable {
        let lock = NSLock()
        var started = false
        var shuttingDown = false
        var warmUp: Task<Void, Never>?
    }
    let lifecycle = Lifecycle()

    /// Starts the workers and loads the stored deployments in the background.
    public func start() {
        workers.start()
        let warmUp = deployments.warmUp()
        lifecycle.lock.withLock {
            lifecycle.started = true
            lifecycle.warmUp = warmUp
        }
    }

    /// Why the service cannot take traffic now (empty when ready): shutting
    /// down, not started, workers not running, the database not answering
    /// within `timeout` seconds, deployments still loading after a restart.
    public func notReadyReasons(timeout: Double = 2) async -> [String] {
        let (started, shuttingDown) = lifecycle.lock.withLock { (lifecycle.started, lifecycle.shuttingDown) }
        if shuttingDown { return ["shutting down"] }
        var reasons: [String] = []
        if !started { reasons.append("not started") }
        if configuration.workers.workers > 0 && !workers.isStarted { reasons.append("training workers not started") }
        if let problem = await databaseProblem(timeout: timeout) { reasons.append(problem) }
        if deployments.isWarmingUp { reasons.append("loading deployments") }
        return reasons
    }

    /// nil when the metadata store answers a read in time. A hung ping is
    /// left behind (unstructured), so the probe itself never hangs.
    func databaseProblem(timeout: Double) async -> String? {
        let storage = store.storage
        let answer = FirstAnswer<String?>()
        return await withCheckedContinuation { continuation in
            answer.set(continuation)
            Task {
                do {
                    try await storage.ping()
                    answer.resume(nil)
                } catch {
                    answer.resume("database unreachable: \((error as? ServiceError)?.description ?? "\(error)")")
                }
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                answer.resume("database did not answer within \(timeout) s")
            }
        }
    }

    /// Resumes a continuation with the first of several answers.
    final class FirstAnswer<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, Never>?

        func set(_ continuation: CheckedContinuation<T, Never>) { lock.withLock { self.continuation = continuation } }

        func resume(_ value: T) {
            let waiting = lock.withLock { () -> CheckedContinuation<T, Never>? in
                defer { continuation = nil }
                return continuation
            }
            waiting?.resume(returning: value)
        }
    }

    public func shutdown() async {
        let warmUp = lifecycle.lock.withLock { () -> Task<Void, Never>? in
            lifecycle.shuttingDown = true
            return lifecycle.warmUp
        }
        warmUp?.cancel()
        await workers.stop()
        deployments.shutdown()
        pretrained.shutdown()
        await hub.flush()  // the last events (a final status) reach the store before it closes
        try? await store.storage.close()
    }
}
