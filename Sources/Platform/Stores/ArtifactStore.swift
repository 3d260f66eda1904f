import Crypto
import Foundation

/// Immutable files addressed by their SHA-256 (dataset files, weights,
/// checkpoints). Writes are atomic: a reader sees a whole file or none.
public protocol ArtifactStore: Sendable {
    /// Starts a streamed write; `commit` hashes, syncs and publishes it.
    func beginUpload() throws -> ArtifactUpload
    /// A local path to read the artifact from; 404 when absent.
    func fileURL(for sha256: String) throws -> URL
    func contains(_ sha256: String) -> Bool
    func delete(_ sha256: String) throws
}

extension ArtifactStore {
    /// Stores bytes; returns their sha256.
    @discardableResult
    public func put(_ data: Data) throws -> String {
        let upload = try beginUpload()
        do {
            try upload.write(data)
            return try upload.commit().sha256
        } catch {
            upload.abort()
            throw error
        }
    }

    /// Stores a copy of a file; returns its sha256.
    @discardableResult
    public func put(fileAt url: URL) throws -> String {
        let upload = try beginUpload()
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try upload.write(chunk) }
            return try upload.commit().sha256
        } catch {
            upload.abort()
            throw error
        }
    }

    public func data(for sha256: String) throws -> Data {
        try Data(contentsOf: fileURL(for: sha256))
    }
}

/// A file being written into an artifact store: a temporary file hashed as
/// it grows, renamed to its digest on commit.
public final class ArtifactUpload {
    let temporaryURL: URL
    let handle: FileHandle
    var hasher = SHA256()
    public private(set) var bytes = 0
    let publish: (URL, String) throws -> Void
    var finished = false

    init(temporaryURL: URL, publish: @escaping (URL, String) throws -> Void) throws {
        self.temporaryURL = temporaryURL
        guard FileManager.default.createFile(atPath: temporaryURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporaryURL.path])
        }
        handle = try FileHandle(forWritingTo: temporaryURL)
        self.publish = publish
    }

    public func write(_ data: Data) throws {
        hasher.update(data: data)
        try handle.write(contentsOf: data)
        bytes += data.count
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try write(Data(bytes))
    }

    // MARK: writes off the caller's thread

    /// Where `enqueue` and `commit() async` run the file writes, hashing and
    /// fsync: one serial queue per upload, never the server's event loops or
    /// the small concurrency pool.
    private let io = DispatchQueue(label: "orchard.artifact-upload")
    private let flow = NSCondition()
    private var queuedBytes = 0
    private var failure: Error?
    /// Bytes queued but not yet written past which `enqueue` waits.
    public var maxQueuedBytes = 4 << 20

    /// Queues `data` to be hashed and written in order on the upload's own
    /// thread and returns at once, unless `maxQueuedBytes` are already
    /// waiting (then it waits, without blocking a thread, for the writer to
    /// catch up). A write error surfaces here or at `commitEnqueued`.
    public func enqueue(_ data: Data) async throws {
        try flow.withLock {
            if let failure { throw failure }
            queuedBytes += data.count
        }
        let box = UnsafeTransfer(self)
        io.async {
            let upload = box.value
            do {
                if upload.flow.withLock({ upload.failure == nil }) { try upload.write(data) }
            } catch {
                upload.flow.withLock { if upload.failure == nil { upload.failure = error } }
            }
            upload.flow.withLock {
                upload.queuedBytes -= data.count
                upload.flow.broadcast()
            }
        }
        if flow.withLock({ queuedBytes <= maxQueuedBytes }) { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            io.async {  // after the writes queued before it
                continuation.resume(with: Result { try box.value.flow.withLock { if let failure = box.value.failure { throw failure } } })
            }
        }
    }

    /// Waits for the queued writes, then syncs and publishes (on the upload's queue).
    public func commitEnqueued() async throws -> (sha256: String, bytes: Int) {
        let box = UnsafeTransfer(self)
        return try await withCheckedThrowingContinuation { continuation in
            io.async {
                let upload = box.value
                continuation.resume(with: Result {
                    if let failure = upload.flow.withLock({ upload.failure }) { throw failure }
                    return try upload.commit()
                })
            }
        }
    }

    /// Drops the partial file once the queued writes are done.
    public func abortEnqueued() async {
        let box = UnsafeTransfer(self)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            io.async {
                box.value.abort()
                continuation.resume()
            }
        }
    }

    /// Flushes to disk, publishes under the digest and returns it.
    public func commit() throws -> (sha256: String, bytes: Int) {
        precondition(!finished, "ArtifactUpload committed twice")
        finished = true
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        try handle.synchronize()
        try handle.close()
        do { try publish(temporaryURL, digest) } catch {
            try? FileManager.default.removeItem(at: temporaryURL)
            throw error
        }
        return (digest, bytes)
    }

    /// Drops the partial file.
    public func abort() {
        guard !finished else { return }
        finished = true
        try? handle.close()
        try? FileManager.default.removeItem(at: temporaryURL)
    }
}

/// Artifacts in a local folder: `ROOT/sha256/ab/abcdef…`, written through
/// `ROOT/tmp/` (temp file, fsync, rename, so a crash leaves no half file).
public final class FolderArtifactStore: ArtifactStore, @unchecked Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sha256"), withIntermediateDirectories: true)
        // Leftovers of uploads interrupted by a crash.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("tmp").path)) ?? [] {
            try? FileManager.default.removeItem(at: root.appendingPathComponent("tmp").appendingPathComponent(name))
        }
    }

    func path(for sha256: String) -> URL {
        root.appendingPathComponent("sha256").appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
    }

    public func beginUpload() throws -> ArtifactUpload {
        let temporary = root.appendingPathComponent("tmp").appendingPathComponent(UUID().uuidString)
        return try ArtifactUpload(temporaryURL: temporary) { [self] url, digest in
            let destination = path(for: digest)
            let fileManager = FileManager.default
            try fileManager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            if fileManager.fileExists(atPath: destination.path) {
                try fileManager.removeItem(at: url)  // same content already stored
            } else if rename(url.path, destination.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
            }
        }
    }

    public func fileURL(for sha256: String) throws -> URL {
        let url = path(for: sha256)
        guard sha256.count == 64, sha256.allSatisfy(\.isHexDigit), FileManager.default.fileExists(atPath: url.path) else {
            throw ServiceError.notFound(kind: "artifact", id: sha256)
        }
        return url
    }

    public func contains(_ sha256: String) -> Bool {
        FileManager.default.fileExists(atPath: path(for: sha256).path)
    }

    public func delete(_ sha256: String) throws {
        let url = path(for: sha256)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }
}

/// Hands a non-Sendable reference to a queue that alone uses it from then on.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
