import Foundation

/// Documents in memory, for tests and for running without any database.
public final class MemoryDocumentStorage: DocumentStorage, @unchecked Sendable {
    struct Entry {
        var partition: String
        var sequence: Int
        var document: Data
    }

    private let mutex = AsyncMutex()
    private var collections: [String: [String: Entry]] = [:]
    private var sequence = 0
    private var closed = false

    public init() {}

    public func transaction<T>(_ body: (any DocumentTransaction) async throws -> T) async throws -> T {
        try await mutex.withLock {
            guard !closed else { throw ServiceError.unavailable("the metadata store is closed") }
            let snapshot = (collections, sequence)
            do {
                return try await body(MemoryTransaction(storage: self))
            } catch {
                (collections, sequence) = snapshot
                throw error
            }
        }
    }

    public func close() async throws {
        await mutex.withLock { closed = true }
    }

    final class MemoryTransaction: DocumentTransaction {
        let storage: MemoryDocumentStorage
        init(storage: MemoryDocumentStorage) { self.storage = storage }

        func get(_ collection: String, key: String) async throws -> Data? {
            storage.collections[collection]?[key]?.document
        }

        func put(_ collection: String, key: String, partition: String, document: Data) async throws {
            let existing = storage.collections[collection]?[key]
            let sequence: Int
            if let existing { sequence = existing.sequence } else {
                storage.sequence += 1
                sequence = storage.sequence
            }
            storage.collections[collection, default: [:]][key] = Entry(partition: partition, sequence: sequence, document: document)
        }

        func delete(_ collection: String, key: String) async throws -> Bool {
            storage.collections[collection]?.removeValue(forKey: key) != nil
        }

        func list(_ collection: String, partition: String?) async throws -> [Data] {
            (storage.collections[collection] ?? [:]).values
                .filter { partition == nil || $0.partition == partition }
                .sorted { $0.sequence < $1.sequence }
                .map(\.document)
        }

        func latest(_ collection: String, partition: String?, limit: Int, before: String?) async throws -> [Data] {
            let entries = storage.collections[collection] ?? [:]
            var bound = Int.max
            if let before {
                guard let entry = entries[before] else { return [] }
                bound = entry.sequence
            }
            return entries.values
                .filter { (partition == nil || $0.partition == partition) && $0.sequence < bound }
                .sorted { $0.sequence > $1.sequence }
                .prefix(max(0, limit))
                .map(\.document)
        }
    }
}
