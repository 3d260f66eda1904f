import DataPrep
import Foundation

/// An uploaded data file (kept in the artifact store by its sha256) with
/// the schema and statistics inferred from it.
public struct Dataset: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var name: String
    public var format: String
    public var rows: Int
    public var bytes: Int
    public var sha256: String
    public var schema: [ColumnSchema]
    public var createdAt: Date

    public init(id: String, tenantID: String, name: String, format: String, rows: Int, bytes: Int, sha256: String,
                schema: [ColumnSchema], createdAt: Date = Date()) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.format = format
        self.rows = rows
        self.bytes = bytes
        self.sha256 = sha256
        self.schema = schema
        self.createdAt = createdAt
    }
}
