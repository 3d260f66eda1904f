import Foundation
import SQLKit

/// The statements on the `documents` table that SQLite and PostgreSQL
/// share word for word: reads in insertion order or newest first, and
/// deletes. Only how the JSON body is selected differs (`body` is text in
/// SQLite, `jsonb` on PostgreSQL: `body::text`). Each backend writes with
/// its own upsert.
struct SQLDocumentReads {
    let database: any SQLDatabase
    /// The expression that yields the body as JSON text.
    let bodyText: String

    static func data(_ row: any SQLRow) throws -> Data { Data(try row.decode(column: "body", as: String.self).utf8) }

    func get(_ collection: String, key: String) async throws -> Data? {
        try await database.raw("""
            SELECT \(unsafeRaw: bodyText) AS body FROM documents WHERE collection = \(bind: collection) AND key = \(bind: key)
            """).first().map(Self.data)
    }

    func delete(_ collection: String, key: String) async throws -> Bool {
        try await !database.raw("DELETE FROM documents WHERE collection = \(bind: collection) AND key = \(bind: key) RETURNING key")
            .all().isEmpty
    }

    func list(_ collection: String, partition: String?) async throws -> [Data] {
        let rows: [any SQLRow]
        if let partition {
            rows = try await database.raw("""
                SELECT \(unsafeRaw: bodyText) AS body FROM documents
                WHERE collection = \(bind: collection) AND partition_key = \(bind: partition) ORDER BY sequence
                """).all()
        } else {
            rows = try await database.raw("""
                SELECT \(unsafeRaw: bodyText) AS body FROM documents WHERE collection = \(bind: collection) ORDER BY sequence
                """).all()
        }
        return try rows.map(Self.data)
    }

    /// Newest first over the (collection, partition_key, sequence) index, or
    /// the (collection, sequence) one when no partition is given.
    func latest(_ collection: String, partition: String?, limit: Int, before: String?) async throws -> [Data] {
        var bound = Int64.max
        if let before {
            guard let row = try await database.raw(
                "SELECT sequence FROM documents WHERE collection = \(bind: collection) AND key = \(bind: before)").first()
            else { return [] }
            bound = try row.decode(column: "sequence", as: Int64.self)
        }
        let count = max(0, limit)
        let rows: [any SQLRow]
        if let partition {
            rows = try await database.raw("""
                SELECT \(unsafeRaw: bodyText) AS body FROM documents WHERE collection = \(bind: collection)
                AND partition_key = \(bind: partition) AND sequence < \(bind: bound) ORDER BY sequence DESC LIMIT \(bind: count)
                """).all()
        } else {
            rows = try await database.raw("""
                SELECT \(unsafeRaw: bodyText) AS body FROM documents WHERE collection = \(bind: collection)
                AND sequence < \(bind: bound) ORDER BY sequence DESC LIMIT \(bind: count)
                """).all()
        }
        return try rows.map(Self.data)
    }
}
