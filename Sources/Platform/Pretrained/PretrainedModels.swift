import Foundation
import LargeModels
import Logging

/// The pretrained models this server answers for: loaded once (GGUF weights
/// memory-mapped once, shared by every name that serves the same file), each
/// visible to all tenants or to a list of them. Models from the command line
/// live as long as the process; run-time registrations are also kept in the
/// metadata store and loaded again at the next start.
public final class PretrainedModels: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Generation slots per language model (`--parallel`).
        public var parallel = 4
        /// Tokens per slot, prompt and completion (`--context-length`); capped by the model's own.
        public var contextLength = 4096
        /// Requests waiting for a slot, per language model, before 429.
        public var maxWaiting = 64
        /// Sums of the quantized products when several streams decode in one
        /// step (`--exact-batching` picks `.llamaCpp`: every stream then equals
        /// its lone decoding bit for bit, at ~15 % less 8-stream throughput).
        public var decodingSums: QuantizedSums = .blockSums
        public init() {}
    }

    /// Where a model came from.
    public enum Source: String, Sendable {
        /// `orchard serve --llm/--embeddings`: not persisted.
        case commandLine = "command_line"
        /// `POST /api/v1/pretrained`: persisted.
        case api
    }

    public enum Runtime: Sendable {
        case llm(LoadedLanguageModel)
        case embeddings(LoadedEmbeddingModel)
    }

    /// A registered model: loaded (`runtime`), or not loadable (`failure`,
    /// for a persisted registration whose file broke between two starts).
    public struct Entry: Sendable {
        public let registration: PretrainedRegistration
        public let source: Source
        public let runtime: Runtime?
        public let failure: String?
    }

    public let store: MetadataStore
    public let configuration: Configuration
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    /// One registration or unload at a time.
    private let changes = AsyncMutex()

    public init(store: MetadataStore, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
    }

    // MARK: - Start and stop

    /// Loads the command line's models; the first that fails stops the start
    /// with an error naming its file and the problem.
    public func loadCommandLine(_ registrations: [PretrainedRegistration]) async throws {
        try await changes.withLock {
            for registration in registrations {
                guard entry(registration.name) == nil else {
                    throw ServiceError.invalid(field: registration.kind == .llm ? "--llm" : "--embeddings",
                                               message: "the name '\(registration.name)' is given twice; name one PATH:OTHER")
                }
                insert(Entry(registration: registration, source: .commandLine, runtime: try load(registration), failure: nil))
            }
        }
    }

    /// Loads the persisted registrations. One that shares a command-line
    /// model's name stops the start; one whose file no longer loads is kept
    /// as failed (listed with its problem, removable with DELETE). Returns
    /// the problems, for the log.
    @discardableResult
    public func restore() async throws -> [String] {
        try await changes.withLock {
            var problems: [String] = []
            for registration in try await store.pretrainedRegistrations() {
                if entry(registration.name) != nil {
                    throw ServiceError.conflict("pretrained model '\(registration.name)' is on the command line and registered in the "
                                                + "database; serve the file under another name (PATH:NAME) or DELETE /api/v1/pretrained/\(registration.name)")
                }
                do {
                    insert(Entry(registration: registration, source: .api, runtime: try load(registration), failure: nil))
                } catch {
                    problems.append(String(describing: error))
                    insert(Entry(registration: registration, source: .api, runtime: nil, failure: String(describing: error)))
                }
            }
            return problems
        }
    }

    /// Stops every scheduler and embedding queue.
    public func shutdown() {
        lock.lock()
        let all = entries.values
        entries.removeAll()
        order.removeAll()
        lock.unlock()
        for entry in all { Self.stop(entry.runtime) }
    }

    // MARK: - Administration (admin keys)

    /// Loads and persists a model; 409 when the name is taken, 400 naming the
    /// field for bad input or a file that does not load.
    public func register(_ registration: PretrainedRegistration, by principal: Principal) async throws -> Entry {
        try AuthService.requireAdmin(principal)
        try ResourceName.validate(registration.name, field: "name")
        if let tenants = registration.tenants {
            for tenant in tenants where try await store.tenant(id: tenant) == nil {
                throw ServiceError.invalid(field: "tenants", message: "no tenant with id '\(tenant)'")
            }
        }
        if registration.kind == .embeddings, registration.parallel != nil || registration.contextLength != nil {
            throw ServiceError.invalid(field: registration.parallel != nil ? "parallel" : "context_length",
                                       message: "applies to llm models only")
        }
        if let parallel = registration.parallel, !(1...256).contains(parallel) {
            throw ServiceError.invalid(field: "parallel", message: "expected an integer in 1...256, found \(parallel)")
        }
        if let context = registration.contextLength, !(16...1_048_576).contains(context) {
            throw ServiceError.invalid(field: "context_length", message: "expected an integer in 16...1048576, found \(context)")
        }
        return try await changes.withLock {
            guard entry(registration.name) == nil else {
                throw ServiceError.conflict("a pretrained model named '\(registration.name)' is already registered")
            }
            let runtime: Runtime
            do { runtime = try load(registration) } catch let error as PretrainedError {
                throw ServiceError.invalid(field: "path", message: error.description)
            }
            do { try await store.createPretrained(registration) } catch {
                Self.stop(runtime)
                throw error
            }
            let entry = Entry(registration: registration, source: .api, runtime: runtime, failure: nil)
            insert(entry)
            return entry
        }
    }

    /// Every registered model, in registration order.
    public func list(by principal: Principal) throws -> [Entry] {
        try AuthService.requireAdmin(principal)
        return snapshot()
    }

    public func get(name: String, by principal: Principal) throws -> Entry {
        try AuthService.requireAdmin(principal)
        guard let entry = entry(name) else { throw ServiceError.notFound(kind: "pretrained model", id: name) }
        return entry
    }

    /// Stops serving `name` at once (new requests get 404); requests already
    /// generating finish first, then the scheduler stops and, when no other
    /// name shares the file, the weights are unmapped. A persisted
    /// registration is forgotten.
    public func unload(name: String, by principal: Principal) async throws {
        try AuthService.requireAdmin(principal)
        try await changes.withLock {
            guard let entry = entry(name) else { throw ServiceError.notFound(kind: "pretrained model", id: name) }
            if entry.source == .api { try await store.deletePretrained(name: name) }
            lock.withLock {
                entries[name] = nil
                order.removeAll { $0 == name }
            }
            if let runtime = entry.runtime { Self.drainThenStop(runtime) }
        }
    }

    // MARK: - Serving (any key)

    /// Loaded models `principal` may use, in registration order.
    public func visible(to principal: Principal) -> [Entry] {
        snapshot().filter { $0.runtime != nil && $0.registration.isVisible(to: principal) }
    }

    /// A loaded model `principal` may use; 404 (`notFound` kind "model") otherwise, as if it did not exist.
    public func model(_ name: String, for principal: Principal) throws -> Entry {
        guard let entry = entry(name), entry.runtime != nil, entry.registration.isVisible(to: principal) else {
            throw ServiceError.notFound(kind: "model", id: name)
        }
        return entry
    }

    public func languageModel(_ name: String, for principal: Principal) throws -> LoadedLanguageModel {
        guard case .llm(let model) = try model(name, for: principal).runtime else {
            throw PretrainedError.wrongKind(model: name, kind: .embeddings)
        }
        return model
    }

    public func embeddingModel(_ name: String, for principal: Principal) throws -> LoadedEmbeddingModel {
        guard case .embeddings(let model) = try model(name, for: principal).runtime else {
            throw PretrainedError.wrongKind(model: name, kind: .llm)
        }
        return model
    }

    // MARK: - Internals

    private func entry(_ name: String) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entries[name]
    }

    private func snapshot() -> [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { entries[$0] }
    }

    private func insert(_ entry: Entry) {
        lock.lock()
        entries[entry.registration.name] = entry
        order.append(entry.registration.name)
        lock.unlock()
    }

    /// Loads the files, reusing the weights another name already maps from the same path.
    private func load(_ registration: PretrainedRegistration) throws -> Runtime {
        let path = URL(fileURLWithPath: registration.path).standardizedFileURL.path
        func failure(_ problem: String) -> PretrainedError {
            .loadFailed(name: registration.name, path: registration.path, problem: problem)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw failure("no such file or folder") }
        let loaded = snapshot().compactMap(\.runtime)
        do {
            switch registration.kind {
            case .llm:
                guard !isDirectory.boolValue else { throw failure("a folder; expected a GGUF file") }
                let shared = loaded.lazy.compactMap { runtime -> LlamaModel? in
                    if case .llm(let m) = runtime, URL(fileURLWithPath: m.model.file.path).standardizedFileURL.path == path { return m.model }
                    return nil
                }.first
                let model = try shared ?? LlamaModel(path: path)
                return .llm(LoadedLanguageModel(model: model, slots: registration.parallel ?? configuration.parallel,
                                                contextLength: registration.contextLength ?? configuration.contextLength,
                                                maxWaiting: configuration.maxWaiting, decodingSums: configuration.decodingSums))
            case .embeddings:
                guard isDirectory.boolValue else {
                    throw failure("a file; expected a sentence-transformers folder (config.json, model.safetensors, tokenizer.json)")
                }
                let shared = loaded.lazy.compactMap { runtime -> BertModel? in
                    if case .embeddings(let m) = runtime, m.path == path { return m.service.model }
                    return nil
                }.first
                return .embeddings(LoadedEmbeddingModel(model: try shared ?? BertModel(directory: path), path: path))
            }
        } catch let error as PretrainedError {
            throw error
        } catch {
            throw failure(String(describing: error))
        }
    }

    private static func stop(_ runtime: Runtime?) {
        switch runtime {
        case .llm(let model): model.shutdown()
        case .embeddings(let model): model.shutdown()
        case nil: break
        }
    }

    private static func drainThenStop(_ runtime: Runtime) {
        Task.detached {
            while true {
                switch runtime {
                case .llm(let model):
                    let load = model.scheduler.load
                    if load.active == 0 && load.waiting == 0 { model.shutdown(); return }
                case .embeddings(let model):
                    if model.inFlight == 0 { model.shutdown(); return }
                }
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
        }
    }
}
