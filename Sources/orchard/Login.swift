import ArgumentParser
import Foundation

/// `orchard login`: checks a key against a server and saves both for the
/// client commands.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an API key against an Orchard server and save the server and key (~/.config/orchard/credentials.json, mode 0600).")

    @Option(help: ArgumentHelp("Server URL (else $ORCHARD_URL, else \(Connection.defaultServer)).", valueName: "url"))
    var server: String?
    @Option(name: .customLong("api-key"), help: ArgumentHelp("API key (else $ORCHARD_API_KEY, else asked for).", valueName: "key"))
    var apiKey: String?
    @Flag(help: "Print {\"server\", \"credentials\"} as one JSON line.") var json = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let url = try Connection.normalize(server ?? environment["ORCHARD_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? Connection.defaultServer)
        guard let key = apiKey ?? environment["ORCHARD_API_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) ?? Login.askForKey() else {
            throw ValidationError("no API key: pass --api-key KEY or set ORCHARD_API_KEY")
        }
        let file = CredentialsFile.standard
        try await Login.login(Connection(server: url, apiKey: key), saveTo: file)
        if json {
            printJSONLine(["server": .string(url), "credentials": .string(file.url.path)])
        } else {
            print("Logged in to \(url) with key \(key.prefix(12))…; saved to \(file.url.path)")
        }
    }

    /// Verifies the key, then saves the connection.
    static func login(_ connection: Connection, saveTo file: CredentialsFile) async throws {
        try await ServiceClient.with(connection) { client in try await client.verifyKey() }
        try file.save(.init(server: connection.server, apiKey: connection.apiKey))
    }

    /// Reads the key from the terminal without echo, or a line of standard input.
    static func askForKey() -> String? {
        if isatty(STDIN_FILENO) != 0, let entered = getpass("API key: ") {
            let key = String(cString: entered).trimmingCharacters(in: .whitespaces)
            return key.isEmpty ? nil : key
        }
        let line = readLine()?.trimmingCharacters(in: .whitespaces)
        return line?.isEmpty == false ? line : nil
    }
}
