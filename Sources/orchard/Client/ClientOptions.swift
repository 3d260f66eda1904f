import ArgumentParser
import Foundation

/// `--server` and `--api-key` of the client commands (else ORCHARD_URL,
/// ORCHARD_API_KEY, then what `orchard login` saved).
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Orchard server URL (else $ORCHARD_URL, then the `orchard login` file, then \(Connection.defaultServer)).",
                               valueName: "url"))
    var server: String?
    @Option(name: .customLong("api-key"), help: ArgumentHelp("API key (else $ORCHARD_API_KEY, then the `orchard login` file).",
                                                             valueName: "key"))
    var apiKey: String?

    func connection() throws -> Connection {
        try Connection.resolve(server: server, apiKey: apiKey)
    }

    /// Runs `body` with a client for the resolved connection.
    func withClient<T>(_ body: (ServiceClient) async throws -> T) async throws -> T {
        try await ServiceClient.with(try connection(), body)
    }
}

/// Ctrl-C while following a job: leave it running and say how to come back.
enum DetachOnInterrupt {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    static func install(jobID: String, output: FileHandle = .standardError) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            output.write(Data("\nDetached; job \(jobID) keeps running on the server. Reattach with: orchard jobs logs \(jobID) --follow\n".utf8))
            exit(130)
        }
        source.resume()
        self.source = source
    }
}
