import Foundation

/// The primitive a metadata backend implements: JSON documents in named
/// collections, each under a unique key and in one partition (a tenant, or
/// a job for its events), listed in insertion order, changed only inside
/// serializable transactions. `MetadataStore` builds every typed operation
/// on these, so the memory and SQL backends behave the same by construction.
public protocol DocumentStorage: Sendable {
    /// Runs `body` atomically: all its writes land, or none do.
    func transaction<T>(_ body: (any DocumentTransaction) async throws -> T) async throws -> T
    /// Releases connections and files.
    func close() async throws
    /// Fails when the backend cannot serve requests (closed, unreachable).
    func ping() async throws
}

extension DocumentStorage {
    public func ping() async throws {
        try await transaction { _ in }
    }
}

public protocol DocumentTransaction {
    func get(_ collection: String, key: String) async throws -> Data?
    /// Inserts or replaces; a replaced document keeps its place in the order.
    func put(_ collection: String, key: String, partition: String, document: Data) async throws
    /// Whether a document was there.
    @discardableResult
    func delete(_ collection: String, key: String) async throws -> Bool
    /// Documents of a collection (of one partition when given) in insertion order.
    func list(_ collection: String, partition: String?) async throws -> [Data]
    /// The newest `limit` documents (of one partition when given), newest
    /// first; with `before`, only those inserted before the document at that
    /// key (paging back through a log). An unknown `before` key gives none.
    func latest(_ collection: String, partition: String?, limit: Int, before: String?) async throws -> [Data]
}

/// A lock for async code that, unlike an actor, is held across suspension
/// points: one transaction at a time on one connection.
actor AsyncMutex {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }

    func withLock<T>(_ body: () async throws -> T) async rethrows -> T {
        await lock()
        do {
            let value = try await body()
            unlock()
            return value
        } catch {
            unlock()
            throw error
        }
    }
}
