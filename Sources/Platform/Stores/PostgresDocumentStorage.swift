import Foundation
import Logging
import NIOCore
import PostgresKit
import SQLKit

/// Documents in PostgreSQL through sql-kit (postgres-kit): the metadata and
/// job queue that several `orchard serve` nodes share. Each node holds one
/// connection; every transaction first takes one transaction-scoped
/// advisory lock, so transactions of all nodes run one after another, as on
/// SQLite's `BEGIN IMMEDIATE` — a read-modify-write never interleaves with
/// another node's. Bodies are `jsonb`; the job claim is one statement with
/// `FOR UPDATE SKIP LOCKED`. Migrations are versioned like SQLite's and run
/// at open, under the same lock, so nodes starting together migrate once.
public final class PostgresDocumentStorage: SQLConnectionStorage, @unchecked Sendable {
    let connection: PostgresConnection
    let database: any SQLDatabase
    let mutex = AsyncMutex()
    let logger: Logger

    /// The advisory lock every metadata transaction takes (any constant shared by all nodes).
    static let lockKey = 0x6F72_6368_6172_6400 >> 8   // "orchard"

    /// Ordered schema changes, numbered as SQLite's so `schemaVersion` means the same on both.
    public static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE IF NOT EXISTS documents (
                collection TEXT NOT NULL, key TEXT NOT NULL, partition_key TEXT NOT NULL,
                sequence BIGSERIAL NOT NULL, body JSONB NOT NULL, PRIMARY KEY (collection, key))
            """,
            "CREATE INDEX IF NOT EXISTS documents_by_partition ON documents (collection, partition_key, sequence)",
        ]),
        (2, ["CREATE INDEX IF NOT EXISTS documents_job_queue ON documents ((body->>'status'), sequence) WHERE collection = 'jobs'"]),
        (3, ["CREATE INDEX IF NOT EXISTS documents_by_sequence ON documents (collection, sequence)"]),
    ]

    /// `postgres://user:password@host:port/database` (also `postgresql://`,
    /// `postgres+tcp://`, `postgres+uds://user@localhost/socket/path#database`, `?tlsmode=disable|prefer|require`).
    public static func open(url: String, logger: Logger = Logger(label: "orchard.sql")) async throws -> PostgresDocumentStorage {
        var normalized = url
        if normalized.hasPrefix("postgresql://") { normalized = "postgres://" + normalized.dropFirst("postgresql://".count) }
        let configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: normalized)
        } catch {
            throw ServiceError.invalid(field: "database", message: "not a PostgreSQL URL ('\(redacted(url))'): \(error)")
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration.coreConfiguration, id: 1, logger: logger)
        } catch {
            throw ServiceError.unavailable("cannot connect to PostgreSQL at \(redacted(url)): \(String(reflecting: error))")
        }
        let storage = PostgresDocumentStorage(connection: connection, logger: logger)
        do {
            try await storage.migrate()
        } catch {
            try? await connection.close()
            throw error
        }
        return storage
    }

    /// Creates an empty database `name` on the server of `serverURL` (whose
    /// own database must exist) and returns the URL of the new one.
    public static func createDatabase(named name: String, on serverURL: String,
                                      logger: Logger = Logger(label: "orchard.sql")) async throws -> String {
        guard var components = URLComponents(string: serverURL) else {
            throw ServiceError.invalid(field: "database", message: "not a PostgreSQL URL: '\(redacted(serverURL))'")
        }
        let configuration = try SQLPostgresConfiguration(url: serverURL)
        let connection = try await PostgresConnection.connect(configuration: configuration.coreConfiguration, id: 0, logger: logger)
        do {
            try await connection.sql().raw("CREATE DATABASE \(ident: name)").run()
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        components.path = "/" + name
        return components.string ?? serverURL
    }

    /// The URL without its password, for messages.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    var isConnectionClosed: Bool { connection.isClosed }
    func closeConnection() async throws { try await connection.close() }

    public func close() async throws { try await closeOnce() }
    /// A read that needs the database: fails when it is closed or unreachable.
    public func ping() async throws { try await pingDatabase() }
    /// The highest migration applied.
    public func schemaVersion() async throws -> Int { try await appliedSchemaVersion() }

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        database = connection.sql(queryLogLevel: nil)
    }

    /// Runs `body` in a transaction holding the metadata lock.
    func locked<T>(_ body: () async throws -> T) async throws -> T {
        try await mutex.withLock {
            try checkOpen()
            try await database.raw("BEGIN").run()
            do {
                try await database.raw("SELECT pg_advisory_xact_lock(\(bind: Self.lockKey))").run()
                let value = try await body()
                try await database.raw("COMMIT").run()
                return value
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    func migrate() async throws {
        try await locked {
            try await database.raw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)").run()
            let applied = Set(try await database.raw("SELECT version FROM schema_migrations").all()
                .map { try $0.decode(column: "version", as: Int.self) })
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.statements { try await database.raw(SQLQueryString(statement)).run() }
                let now = ISO8601DateFormatter().string(from: Date())
                try await database.raw("INSERT INTO schema_migrations (version, applied_at) VALUES (\(bind: migration.version), \(bind: now))").run()
            }
        }
    }

    public func transaction<T>(_ body: (any DocumentTransaction) async throws -> T) async throws -> T {
        try await locked { try await body(Transaction(database: database)) }
    }

    struct Transaction: DocumentTransaction {
        let database: any SQLDatabase
        var reads: SQLDocumentReads { SQLDocumentReads(database: database, bodyText: "body::text") }

        func get(_ collection: String, key: String) async throws -> Data? { try await reads.get(collection, key: key) }

        func put(_ collection: String, key: String, partition: String, document: Data) async throws {
            let body = String(decoding: document, as: UTF8.self)
            try await database.raw("""
                INSERT INTO documents (collection, key, partition_key, body)
                VALUES (\(bind: collection), \(bind: key), \(bind: partition), \(bind: body)::jsonb)
                ON CONFLICT (collection, key) DO UPDATE SET body = EXCLUDED.body, partition_key = EXCLUDED.partition_key
                """).run()
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

/// The job queue on PostgreSQL: the claim picks the oldest waiting job with
/// `FOR UPDATE SKIP LOCKED` through the `documents_job_queue` index and
/// updates it in the same statement.
extension PostgresDocumentStorage: JobQueueStorage {
    public func claimJob(owner: String, now: Double, until: Double) async throws -> Data? {
        try await locked {
            try await database.raw("""
                UPDATE documents SET body = body || jsonb_build_object(
                    'status', 'running', 'leaseOwner', \(bind: owner)::text, 'leaseExpiresAt', \(bind: until)::float8,
                    'attempts', COALESCE((body->>'attempts')::bigint, 0) + 1,
                    'startedAt', CASE WHEN jsonb_typeof(body->'startedAt') = 'number' THEN body->'startedAt'
                                      ELSE to_jsonb(\(bind: now)::float8) END)
                WHERE collection = 'jobs' AND key = (
                    SELECT key FROM documents
                    WHERE collection = 'jobs' AND body->>'status' IN ('queued', 'running')
                      AND (body->>'cancelRequested')::boolean = false
                      AND (body->>'status' = 'queued' OR COALESCE((body->>'leaseExpiresAt')::float8, 0) < \(bind: now)::float8)
                    ORDER BY sequence LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING body::text AS body
                """).first().map(SQLDocumentReads.data)
        }
    }

    public func cancelOrphanedJobs(now: Double) async throws -> Int {
        try await locked {
            try await database.raw("""
                UPDATE documents SET body = body || jsonb_build_object(
                    'status', 'cancelled', 'finishedAt', \(bind: now)::float8, 'leaseOwner', NULL::text)
                WHERE collection = 'jobs' AND body->>'status' = 'running'
                  AND (body->>'cancelRequested')::boolean = true
                  AND COALESCE((body->>'leaseExpiresAt')::float8, 0) < \(bind: now)::float8
                RETURNING key
                """).all().count
        }
    }
}
