import DataPrep
import Foundation

/// Uploaded datasets: the file goes to the artifact store, the schema is
/// inferred, and only then is the record written (never a half dataset).
public struct DatasetService: Sendable {
    public let store: MetadataStore
    public let artifacts: any ArtifactStore
    public static let formats = ["csv", "jsonl"]

    public init(store: MetadataStore, artifacts: any ArtifactStore) {
        self.store = store
        self.artifacts = artifacts
    }

    public static func checkFormat(_ format: String) throws {
        guard formats.contains(format) else {
            throw ServiceError.invalid(field: "format", message: "unknown format '\(format)'; expected one of \(formats.joined(separator: ", "))")
        }
    }

    /// Registers a committed upload as a dataset.
    public func create(name: String, format: String, sha256: String, bytes: Int, by principal: Principal) async throws -> Dataset {
        try DatasetService.checkFormat(format)
        guard !name.isEmpty, name.count <= 256 else {
            throw ServiceError.invalid(field: "name", message: "expected a name of 1–256 characters")
        }
        let url = try artifacts.fileURL(for: sha256)
        let table: TextTable
        do {
            // Parsing a large file is seconds of CPU: a thread of its own, not the concurrency pool.
            table = try await ThreadBridge.run(name: "orchard-dataset-schema") {
                try DatasetService.readTable(url: url, format: format, source: name, limit: nil)
            }
            guard !table.columnNames.isEmpty else { throw ServiceError.invalid(field: "body", message: "the file has no columns") }
            guard !table.rows.isEmpty else {
                throw ServiceError.invalid(field: "body", message: format == "csv" ? "the CSV has a header line and no rows"
                                                                                    : "the file has no rows")
            }
        } catch {
            // A rejected upload leaves no file behind (unless a dataset already has the same bytes).
            if try await !isReferenced(sha256) { try? artifacts.delete(sha256) }
            throw error
        }
        let dataset = Dataset(id: "ds_" + Identifiers.random(12), tenantID: principal.tenantID, name: name, format: format,
                              rows: table.rows.count, bytes: bytes, sha256: sha256, schema: table.inferSchema())
        try await store.createDataset(dataset)
        return dataset
    }

    static func readTable(url: URL, format: String, source: String, limit: Int?) throws -> TextTable {
        let data = try Data(contentsOf: url)
        do {
            return format == "jsonl" ? try TextTable.parseJSONLines(data, source: source, limit: limit)
                                     : try TextTable.parseCSV(data, source: source, limit: limit)
        } catch let error as DataError {
            throw ServiceError.invalid(field: "body", message: "\(error)")
        }
    }

    public func get(id: String, by principal: Principal) async throws -> Dataset {
        guard let dataset = try await store.dataset(tenantID: principal.tenantID, id: id) else {
            throw ServiceError.notFound(kind: "dataset", id: id)
        }
        return dataset
    }

    public func list(by principal: Principal) async throws -> [Dataset] {
        try await store.datasets(tenantID: principal.tenantID)
    }

    /// The first `limit` rows as column → value objects.
    public func preview(id: String, limit: Int, by principal: Principal) async throws -> (columns: [String], rows: [[String?]]) {
        let dataset = try await get(id: id, by: principal)
        let table = try DatasetService.readTable(url: try artifacts.fileURL(for: dataset.sha256), format: dataset.format,
                                                 source: dataset.name, limit: max(0, min(limit, 1000)))
        return (table.columnNames, table.rows)
    }

    public func delete(id: String, by principal: Principal) async throws {
        let dataset = try await store.deleteDataset(tenantID: principal.tenantID, id: id)
        // The file may be shared with another dataset of the same content.
        if try await !isReferenced(dataset.sha256) { try? artifacts.delete(dataset.sha256) }
    }

    /// Whether any dataset of any tenant has this file.
    func isReferenced(_ sha256: String) async throws -> Bool {
        let all = try await store.storage.transaction { try await $0.list(MetadataStore.Collection.datasets, partition: nil) }
        return try all.contains { try MetadataStore.decoder.decode(Dataset.self, from: $0).sha256 == sha256 }
    }
}
