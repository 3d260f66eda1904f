import Foundation
import NeuralNet

/// Where the client sends requests and with which key. Each comes from the
/// first of: command-line flag, environment (ORCHARD_URL, ORCHARD_API_KEY),
/// the file `orchard login` wrote. The saved key is only sent to the saved
/// server, so `--server` pointing elsewhere does not leak it.
struct Connection: Equatable, Sendable {
    static let defaultServer = "http://127.0.0.1:8080"

    var server: String
    var apiKey: String

    static func resolve(server flagServer: String?, apiKey flagKey: String?,
                        environment: [String: String] = ProcessInfo.processInfo.environment,
                        credentials: CredentialsFile = .standard) throws -> Connection {
        let saved = try credentials.load()
        let rawServer = nonEmpty(flagServer) ?? nonEmpty(environment["ORCHARD_URL"]) ?? saved?.server ?? defaultServer
        let server = try normalize(rawServer)
        let savedKey = saved.flatMap { (try? normalize($0.server)) == server ? $0.apiKey : nil }
        guard let key = nonEmpty(flagKey) ?? nonEmpty(environment["ORCHARD_API_KEY"]) ?? savedKey else {
            throw ServiceClientError.configuration(
                "no API key for \(server): pass --api-key KEY, set ORCHARD_API_KEY, or run `orchard login --server \(server)`")
        }
        return Connection(server: server, apiKey: key)
    }

    /// `host:port` gains http://; a trailing slash goes; only http and https.
    static func normalize(_ text: String) throws -> String {
        var url = text.trimmingCharacters(in: .whitespaces)
        if !url.contains("://") { url = "http://" + url }
        while url.hasSuffix("/") { url.removeLast() }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              parsed.host?.isEmpty == false else {
            throw ServiceClientError.configuration("'\(text)' is not a server URL (expected e.g. http://127.0.0.1:8080)")
        }
        return url
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}

/// `~/.config/orchard/credentials.json` (or under $XDG_CONFIG_HOME):
/// `{"server": URL, "api_key": KEY}`, readable by its owner only (0600).
struct CredentialsFile: Sendable {
    struct Saved: Equatable, Sendable {
        var server: String
        var apiKey: String
    }

    let url: URL

    static var standard: CredentialsFile {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        return CredentialsFile(url: base.appendingPathComponent("orchard").appendingPathComponent("credentials.json"))
    }

    func load() throws -> Saved? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let json = try? JSONValue.parse(data), let server = json["server"]?.string, let key = json["api_key"]?.string else {
            throw ServiceClientError.configuration("\(url.path) is not a credentials file; run `orchard login` again")
        }
        return Saved(server: server, apiKey: key)
    }

    /// Writes the file with mode 0600 (its folder 0700), replacing it atomically.
    func save(_ saved: Saved) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let json: JSONValue = ["server": .string(saved.server), "api_key": .string(saved.apiKey)]
        let temporary = directory.appendingPathComponent(".credentials-\(UUID().uuidString).json")
        // Created 0600 from the start (never readable by others, whatever the umask).
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw ServiceClientError.configuration("cannot write \(temporary.path): \(String(cString: strerror(errno)))")
        }
        let bytes = [UInt8](json.serialized(pretty: true) + Data("\n".utf8))
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else {
            try? FileManager.default.removeItem(at: temporary)
            throw ServiceClientError.configuration("cannot write \(temporary.path)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ServiceClientError.configuration("cannot write \(url.path): \(reason)")
        }
    }
}
