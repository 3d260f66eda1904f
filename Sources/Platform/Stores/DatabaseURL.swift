import Foundation
import Logging

/// `orchard serve --database URL`: the metadata backend by URL scheme.
public enum DatabaseURL {
    public static let knownSchemes = ["sqlite", "postgres", "postgresql", "postgres+tcp", "postgres+uds"]

    public static func open(_ url: String, logger: Logger = Logger(label: "orchard.sql")) async throws -> any DocumentStorage {
        let scheme = url.prefix { $0 != ":" }
        if scheme == "sqlite" { return try await SQLDocumentStorage.open(url: url, logger: logger) }
        if knownSchemes.contains(String(scheme)) { return try await PostgresDocumentStorage.open(url: url, logger: logger) }
        throw ServiceError.invalid(field: "database", message: "unknown database URL scheme '\(scheme)'; known: "
                                   + knownSchemes.map { $0 + "://" }.joined(separator: ", "))
    }
}
