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
    }

    /// The live wiring: SQLite (or `databaseURL`) and artifacts under `dataDirectory`.
    public static func open(dataDirectory: URL, databaseURL: String? = nil, configuration: Configuration = Configuration(),
                            logger: Logger = Logger(label: "orchard")) async throws -> OrchardPlatform {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let url = databaseURL ?? "sqlite://" + dataDirectory.appendingPathComponent("orchard.sqlite").path
        let storage = try await SQLDocumentStorage.open(url: url, logger: logger)
        let artifacts = try FolderArtifactStore(root: dataDirectory.appendingPathComponent("artifacts"))
        return OrchardPlatform(store: MetadataStore(storage: storage), artifacts: artifacts, configuration: configuration)
    }

    /// In memory, for tests (artifacts still need a folder).
    public static func inMemory(artifactsDirectory: URL, configuration: Configuration = Configuration()) throws -> OrchardPlatform {
        OrchardPlatform(store: MetadataStore(storage: MemoryDocumentStorage()),
                        artifacts: try FolderArtifactStore(root: artifactsDirectory), configuration: configuration)
    }

    /// Starts the workers.
    public func start() {
        workers.start()
    }

    public func shutdown() async {
        await workers.stop()
        deployments.shutdown()
        pretrained.shutdown()
        try? await store.storage.close()
    }
}
