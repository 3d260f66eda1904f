import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Platform
import Server

/// `orchard serve`: the API and an in-process worker pool over SQLite and a data folder.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Orchard service: management API, Open Inference Protocol v2, TF Serving, OpenAI API, training workers.")

    @Option var host = "127.0.0.1"
    @Option var port = 8080
    @Option(name: .customLong("data-dir"), help: "Folder for the database and artifacts.") var dataDir = "./orchard-data"
    @Option(help: "Database URL: sqlite://PATH (default: DATA-DIR/orchard.sqlite) or postgres://USER:PASSWORD@HOST:PORT/DB, which several nodes can share (metadata and job queue).")
    var database: String?
    @Option(help: "Training workers in this process.") var workers = 1
    @Option(name: .customLong("max-upload-mb"), help: "Largest dataset upload, in MiB.") var maxUploadMB = 512
    @Option(name: .customLong("lease-seconds"), help: "A job whose worker stops renewing for this long is run again.")
    var leaseSeconds = 30.0
    @Option(name: .customLong("llm"), help: ArgumentHelp("A GGUF chat model to serve on the OpenAI routes (repeatable); NAME defaults to the file's stem.",
                                                        valueName: "PATH[:NAME]"))
    var llm: [String] = []
    @Option(name: .customLong("embeddings"), help: ArgumentHelp("A sentence-transformers folder to serve on /v1/embeddings (repeatable); NAME defaults to the folder's name.",
                                                               valueName: "DIR[:NAME]"))
    var embeddings: [String] = []
    @Option(help: "Generation slots per language model (requests decoded together).") var parallel = 4
    @Option(name: .customLong("context-length"), help: "Tokens per slot, prompt and completion (capped by the model's own).")
    var contextLength = 4096
    @Option(name: .customLong("max-waiting"), help: "Requests waiting for a slot, per language model, before 429.")
    var maxWaiting = 64
    @Flag(name: .customLong("exact-batching"),
          help: "Decode concurrent streams with llama.cpp's sums, so each equals its lone decoding bit for bit (~15% less throughput with many streams).")
    var exactBatching = false
    @OptionGroup var limits: ServeLimits

    func run() async throws {
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.workers = workers
        configuration.workers.leaseSeconds = leaseSeconds
        configuration.maxUploadBytes = maxUploadMB << 20
        configuration.orchardVersion = OrchardVersion.current
        guard parallel >= 1, contextLength >= 16, maxWaiting >= 0 else {
            throw ValidationError("--parallel must be at least 1, --context-length at least 16, --max-waiting at least 0")
        }
        configuration.pretrained.parallel = parallel
        configuration.pretrained.contextLength = contextLength
        configuration.pretrained.maxWaiting = maxWaiting
        if exactBatching { configuration.pretrained.decodingSums = .llamaCpp }
        let pretrained = try llm.map { try PretrainedRegistration.parse($0, kind: .llm) }
            + embeddings.map { try PretrainedRegistration.parse($0, kind: .embeddings) }
        limits.apply(to: &configuration)
        let platform = try await OrchardPlatform.open(dataDirectory: URL(fileURLWithPath: dataDir), databaseURL: database,
                                                      configuration: configuration)
        let presetKey = ProcessInfo.processInfo.environment["ORCHARD_ADMIN_KEY"]
        if let key = try await platform.auth.bootstrapAdmin(presetKey: presetKey) {
            print("Admin API key (shown once, keep it): \(key)")
            fflush(stdout)  // before loading models, which may fail
        }
        do {
            try await platform.pretrained.loadCommandLine(pretrained)
            for problem in try await platform.pretrained.restore() {
                FileHandle.standardError.write(Data("warning: \(problem) (listed as failed; DELETE /api/v1/pretrained/NAME forgets it)\n".utf8))
            }
        } catch {
            await platform.shutdown()
            throw error  // names the file and the problem
        }
        for entry in platform.pretrained.visible(to: Principal(tenantID: Tenant.adminID, isAdmin: true, keyPrefix: "")) {
            print(PretrainedSummary.line(entry))
        }
        platform.start()
        let server = OrchardServer.build(platform: platform, host: host, port: port, options: limits.serverOptions)
        print("Orchard listening on http://\(host):\(port) (data in \(dataDir), \(workers) worker(s))")
        fflush(stdout)  // the admin key must reach a log file before anything else happens
        try await server.application.runService()
        await platform.shutdown()
    }
}

/// One line per served pretrained model for `orchard serve`'s log: what it
/// is and the memory it holds.
enum PretrainedSummary {
    static func line(_ entry: PretrainedModels.Entry) -> String {
        let name = entry.registration.name
        func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        switch entry.runtime {
        case .llm(let model):
            return "Serving llm '\(name)' from \(entry.registration.path): \(model.slots) slot(s) × \(model.contextLength) tokens, "
                + "weights \(mib(model.weightBytes)) mapped once, KV cache \(mib(model.kvCacheBytesPerSlot)) per slot"
        case .embeddings(let model):
            return "Serving embeddings '\(name)' from \(entry.registration.path): \(model.dimension) dimensions"
        case nil:
            return "Not serving '\(name)': \(entry.failure ?? "not loaded")"
        }
    }
}
