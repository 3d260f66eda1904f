import Foundation
import Logging
import NeuralNet

/// Publishes job events to live subscribers and persists them in the
/// metadata store, keeping only a bounded window of each running job's
/// events in memory. A client that connects late replays the persisted
/// events, then the window, then follows live ones, like `tail -f`.
///
/// The invariant that makes replay gap-free: an event leaves memory only
/// after it is persisted, and a subscriber registers for live events (and
/// copies the window) under the same lock before it reads the store. So
/// every event is in the store read, in the window, or delivered live.
/// A job's window is dropped once its final event is persisted.
///
/// `publish` is synchronous and thread-safe (training threads call it).
/// Events of a job that may already have some (a resumed or restarted job)
/// must be numbered on from the store first: `prepare(jobID:)`.
public final class JobEventHub: @unchecked Sendable {
    let store: MetadataStore
    /// Persisted events each job keeps in memory (unpersisted ones are always kept).
    public let memoryEvents: Int
    private let lock = NSLock()
    private var channels: [String: Channel] = [:]
    /// Jobs whose events this node produces now (prepared, not yet final).
    private var producing: Set<String> = []
    /// Published, not yet handed to the store, in publication order.
    private var pending: [JobEvent] = []
    private var published = 0
    private var persisted = 0
    private var flushWaiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private let wake: AsyncStream<Void>.Continuation
    private var persister: Task<Void, Never>?
    private let logger = Logger(label: "orchard.events")

    struct Channel {
        /// The last sequence number given out.
        var last = 0
        /// The newest events in sequence order: every unpersisted one and up to `memoryEvents` persisted ones.
        var window: [JobEvent] = []
        var persistedThrough = 0
        var subscribers: [UUID: AsyncStream<JobEvent>.Continuation] = [:]
        var finished = false
    }

    /// How often a subscriber reads the store for the events of a job this
    /// node does not run (another node sharing the database runs it).
    public var remotePollInterval = 0.25

    public init(store: MetadataStore, memoryEvents: Int = 256) {
        self.store = store
        self.memoryEvents = max(0, memoryEvents)
        let (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        persister = Task { [weak self] in
            for await _ in signals {
                guard let self else { return }
                await self.persistPending()
            }
        }
    }

    deinit {
        wake.finish()
    }

    /// Numbers a job's next events after its persisted ones (a resumed job continues them).
    public func prepare(jobID: String) async throws {
        let stored = try await store.events(jobID: jobID).last?.sequence ?? 0
        lock.withLock {
            var channel = channels[jobID] ?? Channel()
            channel.last = max(channel.last, stored)
            channel.persistedThrough = max(channel.persistedThrough, stored)
            channels[jobID] = channel
            producing.insert(jobID)
        }
    }

    /// Publishes one event; `final` closes the live streams after it.
    @discardableResult
    public func publish(jobID: String, type: String, data: JSONValue, final: Bool = false) -> JobEvent {
        let (event, listeners): (JobEvent, [AsyncStream<JobEvent>.Continuation]) = lock.withLock {
            var channel = channels[jobID] ?? Channel()
            channel.last += 1
            let event = JobEvent(jobID: jobID, sequence: channel.last, type: type, data: data)
            channel.window.append(event)
            let listeners = Array(channel.subscribers.values)
            if final {
                channel.subscribers = [:]
                channel.finished = true
                producing.remove(jobID)
            }
            channels[jobID] = channel
            pending.append(event)
            published += 1
            return (event, listeners)
        }
        wake.yield()
        for listener in listeners {
            listener.yield(event)
            if final { listener.finish() }
        }
        return event
    }

    /// The events so far (persisted, then the in-memory window) and a stream
    /// of the ones to come, which may repeat the last few: skip sequence
    /// numbers already seen. When the job is already final, the stream is finished.
    public func subscribe(jobID: String, jobIsFinal: Bool) async throws -> (past: [JobEvent], live: AsyncStream<JobEvent>) {
        let (stream, continuation) = AsyncStream<JobEvent>.makeStream()
        let id = UUID()
        let window: [JobEvent] = lock.withLock {
            let channel = channels[jobID]
            if jobIsFinal || channel?.finished == true {
                continuation.finish()
            } else {
                channels[jobID, default: Channel()].subscribers[id] = continuation
                continuation.onTermination = { [weak self] _ in self?.unsubscribe(jobID: jobID, id: id) }
            }
            return channel?.window ?? []
        }
        do {
            let past = merge(stored: try await store.events(jobID: jobID), window: window)
            // Ended (and left memory) between the caller's look at the job and now.
            if let last = past.last, JobEventHub.isFinal(last) {
                continuation.finish()
            } else if !jobIsFinal {
                followStore(jobID: jobID, subscriber: id, after: past.last?.sequence ?? 0, into: continuation)
            }
            return (past, stream)
        } catch {
            continuation.finish()
            throw error
        }
    }

    /// Whether this node publishes the job's events (it prepared or ran it).
    func producesLocally(_ jobID: String) -> Bool {
        lock.withLock { producing.contains(jobID) }
    }

    /// For a job run by another node: reads the store every
    /// `remotePollInterval` and passes on the events not seen yet, until the
    /// final one or until the subscriber leaves. While this node produces the
    /// job's events itself they arrive live and the store is not read.
    private func followStore(jobID: String, subscriber: UUID, after sequence: Int,
                             into continuation: AsyncStream<JobEvent>.Continuation) {
        let interval = UInt64(max(0.01, remotePollInterval) * 1e9)
        let store = store
        Task { [weak self] in
            var last = sequence
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: interval)
                guard let self else { return }
                // The subscriber left, or the job ended here (its live stream was finished).
                guard self.lock.withLock({ self.channels[jobID]?.subscribers[subscriber] != nil }) else { return }
                if self.producesLocally(jobID) { continue }
                guard let events = try? await store.events(jobID: jobID) else { continue }
                for event in events where event.sequence > last {
                    last = event.sequence
                    if case .terminated = continuation.yield(event) { return }
                    if JobEventHub.isFinal(event) {
                        continuation.finish()
                        return
                    }
                }
            }
        }
    }

    static func isFinal(_ event: JobEvent) -> Bool {
        event.type == "status" && event.data["final"] == .bool(true)
    }

    private func unsubscribe(jobID: String, id: UUID) {
        lock.withLock {
            guard var channel = channels[jobID] else { return }
            channel.subscribers.removeValue(forKey: id)
            // A placeholder made only for this subscriber.
            if channel.subscribers.isEmpty && channel.window.isEmpty && channel.last == 0 {
                channels[jobID] = nil
            } else {
                channels[jobID] = channel
            }
        }
    }

    /// Every event of a job: persisted ones and those still on their way to the store.
    public func events(jobID: String) async throws -> [JobEvent] {
        let window = lock.withLock { channels[jobID]?.window ?? [] }
        return merge(stored: try await store.events(jobID: jobID), window: window)
    }

    func merge(stored: [JobEvent], window: [JobEvent]) -> [JobEvent] {
        guard let first = window.first?.sequence else { return stored }
        return stored.filter { $0.sequence < first } + window
    }

    /// Waits until every event published so far is in the store (or failed to get there).
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done: Bool = lock.withLock {
                if persisted >= published { return true }
                flushWaiters.append((published, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Events of a job held in memory (for tests and metrics).
    public func eventsInMemory(jobID: String) -> Int { lock.withLock { channels[jobID]?.window.count ?? 0 } }

    /// Jobs with a window or subscribers in memory.
    public var jobsInMemory: Int { lock.withLock { channels.count } }

    /// Writes the pending events in one transaction, then trims the windows.
    private func persistPending() async {
        while true {
            let batch: [JobEvent] = lock.withLock {
                let batch = pending
                pending = []
                return batch
            }
            guard !batch.isEmpty else { return }
            do { try await store.appendEvents(batch) } catch {
                // Kept in memory up to the window size; the store is closed or failing.
                logger.error("persisting \(batch.count) job event(s) failed: \(error)")
            }
            let waiters: [CheckedContinuation<Void, Never>] = lock.withLock {
                for event in batch {
                    guard var channel = channels[event.jobID] else { continue }
                    channel.persistedThrough = max(channel.persistedThrough, event.sequence)
                    trim(&channel)
                    if channel.finished && channel.persistedThrough >= channel.last {
                        channels[event.jobID] = nil
                    } else {
                        channels[event.jobID] = channel
                    }
                }
                persisted += batch.count
                let ready = flushWaiters.filter { $0.target <= persisted }.map(\.continuation)
                flushWaiters.removeAll { $0.target <= persisted }
                return ready
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// Drops the oldest persisted events past `memoryEvents`.
    private func trim(_ channel: inout Channel) {
        let persistedCount = channel.window.prefix { $0.sequence <= channel.persistedThrough }.count
        let excess = persistedCount - memoryEvents
        if excess > 0 { channel.window.removeFirst(excess) }
    }
}
