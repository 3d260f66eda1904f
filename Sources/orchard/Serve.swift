import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Platform
import Server

/// `orchard serve`: the API and an in-process worker pool over SQLite and a data folder.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Orchard service: management API, Open Inference Protocol v2, TF Serving, training workers.")

    @Option var host = "127.0.0.1"
    @Option var port = 8080
    @Option(name: .customLong("data-dir"), help: "Folder for the database and artifacts.") var dataDir = "./orchard-data"
    @Option(help: "Database URL (default: sqlite://DATA-DIR/orchard.sqlite).") var database: String?
    @Option(help: "Training workers in this process.") var workers = 1
    @Option(name: .customLong("max-upload-mb"), help: "Largest dataset upload, in MiB.") var maxUploadMB = 512
    @Option(name: .customLong("lease-seconds"), help: "A job whose worker stops renewing for this long is run again.")
    var leaseSeconds = 30.0
    @OptionGroup var limits: ServeLimits

    func run() async throws {
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.workers = workers
        configuration.workers.leaseSeconds = leaseSeconds
        configuration.maxUploadBytes = maxUploadMB << 20
        configuration.orchardVersion = OrchardVersion.current
        limits.apply(to: &configuration)
        let platform = try await OrchardPlatform.open(dataDirectory: URL(fileURLWithPath: dataDir), databaseURL: database,
                                                      configuration: configuration)
        let presetKey = ProcessInfo.processInfo.environment["ORCHARD_ADMIN_KEY"]
        if let key = try await platform.auth.bootstrapAdmin(presetKey: presetKey) {
            print("Admin API key (shown once, keep it): \(key)")
        }
        platform.start()
        let server = OrchardServer.build(platform: platform, host: host, port: port, options: limits.serverOptions)
        print("Orchard listening on http://\(host):\(port) (data in \(dataDir), \(workers) worker(s))")
        fflush(stdout)  // the admin key must reach a log file before anything else happens
        try await server.application.runService()
        await platform.shutdown()
    }
}
