import Foundation
import Logging
import SQLKit
import SQLiteKit

/// Documents in a SQL database through sql-kit: SQLite by default (one file,
/// WAL mode). Transactions are `BEGIN IMMEDIATE`, so two processes sharing
/// the file never lease the same job. Migrations are versioned and run at open.
public final class SQLDocumentStorage: SQLConnectionStorage, @unchecked Sendable {
    let connection: SQLiteConnection
    let database: any SQLDatabase
    /// One statement or transaction at a time on the connection.
    let mutex = AsyncMutex()

    /// Ordered schema changes; each runs once, recorded in `schema_migrations`.
    public static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE IF NOT EXISTS documents (
                collection TEXT NOT NULL, key TEXT NOT NULL, partition_key TEXT NOT NULL,
                sequence INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (collection, key))
            """,
            "CREATE INDEX IF NOT EXISTS documents_by_partition ON documents (collection, partition_key, sequence)",
            "CREATE TABLE IF NOT EXISTS document_sequence (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
            "INSERT OR IGNORE INTO document_sequence (id, value) VALUES (1, 0)",
        ]),
        // The job queue: waiting jobs found through an index, not a scan (`claimJob`).
        (2, [
            """
            CREATE INDEX IF NOT EXISTS documents_job_queue ON documents (json_extract(body, '$.status'), sequence)
            WHERE collection = 'jobs'
            """,
        ]),
        // The audit log, read newest first across tenants (`latest` without a partition).
        (3, ["CREATE INDEX IF NOT EXISTS documents_by_sequence ON documents (collection, sequence)"]),
    ]

    /// Opens (creating) an SQLite file; `path` nil is an in-memory database.
    public static func openSQLite(path: String?, logger: Logger = Logger(label: "orchard.sql")) async throws -> SQLDocumentStorage {
        let storage: SQLiteConnection.Storage = path.map { .file(path: $0) } ?? .memory
        let connection = try await SQLiteConnection.open(storage: storage, logger: logger)
        let store = SQLDocumentStorage(connection: connection)
        let database = store.database
        if path != nil { try await database.raw("PRAGMA journal_mode=WAL").run() }
        try await database.raw("PRAGMA busy_timeout=10000").run()
        try await database.raw("PRAGMA synchronous=FULL").run()
        try await store.migrate()
        return store
    }

    /// The database URL forms `orchard serve --database` accepts.
    public static let knownSchemes = ["sqlite"]

    /// `sqlite:///abs/path.sqlite`, `sqlite://relative.sqlite` or `sqlite::memory:`.
    public static func open(url: String, logger: Logger = Logger(label: "orchard.sql")) async throws -> SQLDocumentStorage {
        guard url.hasPrefix("sqlite:") else {
            throw ServiceError.invalid(field: "database", message: "unknown database URL '\(url)'; known schemes: "
                                       + knownSchemes.map { $0 + "://" }.joined(separator: ", "))
        }
        var path = String(url.dropFirst("sqlite:".count))
        if path == ":memory:" { return try await openSQLite(path: nil, logger: logger) }
        if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
        return try await openSQLite(path: path, logger: logger)
    }

    var isConnectionClosed: Bool { connection.isClosed }
    func closeConnection() async throws { try await connection.close() }

    public func close() async throws { try await closeOnce() }
    /// A read that needs the database: fails when it is closed or unreachable.
    public func ping() async throws { try await pingDatabase() }
    /// The highest migration applied.
    public func schemaVersion() async throws -> Int { try await appliedSchemaVersion() }

    init(connection: SQLiteConnection) {
        self.connection = connection
        self.database = connection.sql()
    }

    func migrate() async throws {
        try await database.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)").run()
        let applied = Set(try await database.raw("SELECT version FROM schema_migrations").all()
            .map { try $0.decode(column: "version", as: Int.self) })
        for migration in SQLDocumentStorage.migrations where !applied.contains(migration.version) {
            try await database.raw("BEGIN IMMEDIATE").run()
            do {
                for statement in migration.statements { try await database.raw(SQLQueryString(statement)).run() }
                let now = ISO8601DateFormatter().string(from: Date())
                try await database.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: migration.version), \(bind: now))").run()
                try await database.raw("COMMIT").run()
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public func transaction<T>(_ body: (any DocumentTransaction) async throws -> T) async throws -> T {
        try await mutex.withLock {
            try checkOpen()
            try await database.raw("BEGIN IMMEDIATE").run()
            do {
                let value = try await body(SQLTransaction(database: database))
                try await database.raw("COMMIT").run()
                return value
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    struct SQLTransaction: DocumentTransaction {
        let database: any SQLDatabase
        var reads: SQLDocumentReads { SQLDocumentReads(database: database, bodyText: "body") }

        func get(_ collection: String, key: String) async throws -> Data? { try await reads.get(collection, key: key) }

        func put(_ collection: String, key: String, partition: String, document: Data) async throws {
            let body = String(decoding: document, as: UTF8.self)
            let existing = try await database.raw(
                "SELECT sequence FROM documents WHERE collection = \(bind: collection) AND key = \(bind: key)").first()
            if existing != nil {
                try await database.raw("""
                    UPDATE documents SET body = \(bind: body), partition_key = \(bind: partition)
                    WHERE collection = \(bind: collection) AND key = \(bind: key)
                    """).run()
            } else {
                try await database.raw("UPDATE document_sequence SET value = value + 1 WHERE id = 1").run()
                try await database.raw("""
                    INSERT INTO documents (collection, key, partition_key, sequence, body)
                    VALUES (\(bind: collection), \(bind: key), \(bind: partition),
                            (SELECT value FROM document_sequence WHERE id = 1), \(bind: body))
                    """).run()
            }
        }

        func delete(_ collection: String, key: String) async throws -> Bool { try await reads.delete(collection, key: key) }

        func list(_ collection: String, partition: String?) async throws -> [Data] {
            try await reads.list(collection, partition: partition)
        }

        func latest(_ collection: String, partition: String?, limit: Int, before: String?) async throws -> [Data] {
            try await reads.latest(collection, partition: partition, limit: limit, before: before)
        }
    }
}
