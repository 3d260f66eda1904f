import ArgumentParser
import Dispatch
import Foundation
import Platform

/// `orchard worker`: training workers without the API, for more machines
/// on the database (and artifact folder) that `orchard serve` nodes use.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run training workers only: they claim queued jobs from the shared database until stopped (Ctrl-C or SIGTERM).",
        discussion: "Point --database at the PostgreSQL database of the `orchard serve` nodes (or at the same SQLite file on one "
            + "machine) and --data-dir at the artifact folder they share. A job is claimed by one worker of all nodes; when a "
            + "worker stops or dies, its job's lease expires and another worker resumes it from its last checkpoint.")

    @Option(name: .customLong("data-dir"), help: "Folder of the artifacts (shared with the serve nodes).") var dataDir = "./orchard-data"
    @Option(help: "Database URL: postgres://USER:PASSWORD@HOST:PORT/DB or sqlite://PATH (default: DATA-DIR/orchard.sqlite).")
    var database: String?
    @Option(help: "Training workers in this process.") var workers = 1
    @Option(name: .customLong("lease-seconds"), help: "A job whose worker stops renewing for this long is run again.")
    var leaseSeconds = 30.0

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard leaseSeconds >= 1 else { throw ValidationError("--lease-seconds must be at least 1") }
    }

    func run() async throws {
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.workers = workers
        configuration.workers.leaseSeconds = leaseSeconds
        configuration.orchardVersion = OrchardVersion.current
        let platform = try await OrchardPlatform.open(dataDirectory: URL(fileURLWithPath: dataDir), databaseURL: database,
                                                      configuration: configuration)
        platform.workers.start()
        print("Orchard worker: \(workers) worker(s) on \(database.map(PostgresDocumentStorage.redacted) ?? "sqlite in \(dataDir)"), artifacts in \(dataDir)")
        fflush(stdout)
        await Self.untilStopped()
        print("Stopping: a running job keeps its checkpoint; another worker resumes it when its lease expires")
        await platform.shutdown()
    }

    /// Returns on SIGINT or SIGTERM, or when the task is cancelled.
    static func untilStopped() async {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        await withTaskCancellationHandler {
            var iterator = signals.makeAsyncIterator()
            _ = await iterator.next()
        } onCancel: {
            continuation.finish()
        }
        for source in sources { source.cancel() }
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
    }
}
