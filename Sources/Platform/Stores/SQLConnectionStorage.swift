import Foundation
import SQLKit

/// A document store on one SQL connection, used one statement or
/// transaction at a time (SQLite's and PostgreSQL's): what they share
/// besides the statements (`SQLDocumentReads`). The public `close`, `ping`
/// and `schemaVersion` of each class forward here.
protocol SQLConnectionStorage: DocumentStorage, AnyObject {
    var database: any SQLDatabase { get }
    /// One statement or transaction at a time on the connection.
    var mutex: AsyncMutex { get }
    var isConnectionClosed: Bool { get }
    func closeConnection() async throws
}

extension SQLConnectionStorage {
    /// Inside the mutex: a closed connection must not be used at all.
    func checkOpen() throws {
        if isConnectionClosed { throw ServiceError.unavailable("the database connection is closed") }
    }

    func closeOnce() async throws {
        try await mutex.withLock {
            if !isConnectionClosed { try await closeConnection() }
        }
    }

    /// A read that needs the database: fails when it is closed or unreachable.
    func pingDatabase() async throws {
        try await mutex.withLock {
            try checkOpen()
            _ = try await database.raw("SELECT 1 AS one").first()
        }
    }

    /// The highest migration applied.
    func appliedSchemaVersion() async throws -> Int {
        try await mutex.withLock {
            try checkOpen()
            return try await database.raw("SELECT MAX(version) AS version FROM schema_migrations").first()?
                .decode(column: "version", as: Int?.self) ?? 0
        }
    }
}
