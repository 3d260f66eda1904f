import Foundation
import NeuralNet

/// Publishes job events to live subscribers and persists them, so a client
/// that connects late first replays the events so far, then follows live
/// ones. `publish` is synchronous and thread-safe (training threads call it).
public final class JobEventHub: @unchecked Sendable {
    let store: MetadataStore
    private let lock = NSLock()
    private var events: [String: [JobEvent]] = [:]
    private var subscribers: [String: [UUID: AsyncStream<JobEvent>.Continuation]] = [:]
    private let persistence: AsyncStream<JobEvent>.Continuation
    private let persister: Task<Void, Never>

    public init(store: MetadataStore) {
        self.store = store
        let (stream, continuation) = AsyncStream<JobEvent>.makeStream()
        persistence = continuation
        persister = Task {
            for await event in stream { try? await store.appendEvent(event) }
        }
    }

    deinit {
        persistence.finish()
    }

    /// Loads a job's persisted events (a resumed job continues their numbering).
    public func prepare(jobID: String) async throws {
        let persisted = try await store.events(jobID: jobID)
        lock.withLock {
            if events[jobID] == nil { events[jobID] = persisted }
        }
    }

    /// Publishes one event; `final` closes the live streams after it.
    @discardableResult
    public func publish(jobID: String, type: String, data: JSONValue, final: Bool = false) -> JobEvent {
        let (event, listeners): (JobEvent, [AsyncStream<JobEvent>.Continuation]) = lock.withLock {
            let sequence = (events[jobID]?.last?.sequence ?? 0) + 1
            let event = JobEvent(jobID: jobID, sequence: sequence, type: type, data: data)
            events[jobID, default: []].append(event)
            let listeners = Array((subscribers[jobID] ?? [:]).values)
            if final { subscribers[jobID] = nil }
            return (event, listeners)
        }
        persistence.yield(event)
        for listener in listeners {
            listener.yield(event)
            if final { listener.finish() }
        }
        return event
    }

    /// The events so far and a stream of the ones to come. When the job is
    /// already final, the stream is finished.
    public func subscribe(jobID: String, jobIsFinal: Bool) async throws -> (past: [JobEvent], live: AsyncStream<JobEvent>) {
        let persisted = try await store.events(jobID: jobID)
        let (stream, continuation) = AsyncStream<JobEvent>.makeStream()
        let past: [JobEvent] = lock.withLock {
            let known = events[jobID] ?? persisted
            if jobIsFinal || known.last?.type == "status" && known.last?.data["final"] == .bool(true) {
                continuation.finish()
            } else {
                let id = UUID()
                subscribers[jobID, default: [:]][id] = continuation
                continuation.onTermination = { [weak self] _ in
                    self?.lock.withLock { _ = self?.subscribers[jobID]?.removeValue(forKey: id) }
                }
            }
            return known
        }
        return (past, stream)
    }

    /// Events of a job known to this process or persisted.
    public func events(jobID: String) async throws -> [JobEvent] {
        if let known = lock.withLock({ events[jobID] }) { return known }
        return try await store.events(jobID: jobID)
    }
}
