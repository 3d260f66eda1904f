import Dispatch
import Foundation

/// Compute runs on dedicated threads, never on the concurrency pool (two
/// threads here) nor on NIO event loops; these bridge the two worlds.
enum ThreadBridge {
    /// Runs `body` on a new thread and resumes with its result.
    static func run<T>(name: String, _ body: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = name
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Waits on a dedicated thread for async work (a store update from a
    /// training callback). Never call it from the concurrency pool.
    static func wait<T>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            semaphore.signal()
        }
        semaphore.wait()
        return try box.result!.get()
    }

    final class ResultBox<T>: @unchecked Sendable {
        var result: Result<T, Error>?
    }
}

/// Wakes idle workers when a job is queued (instead of waiting a poll interval).
final class WakeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var pending = false

    func wait(timeout: Double) async {
        let id = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = lock.withLock {
                if pending {
                    pending = false
                    return true
                }
                waiters[id] = continuation
                return false
            }
            if resumeNow {
                continuation.resume()
                return
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                self.lock.withLock { self.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    /// Wakes every waiting worker (or the next one to wait).
    func signal() {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            let all = Array(waiters.values)
            waiters.removeAll()
            if all.isEmpty { pending = true }
            return all
        }
        woken.forEach { $0.resume() }
    }
}

/// A flag set from any thread and read by a training callback.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: String?

    func set(_ why: String) { lock.withLock { if reason == nil { reason = why } } }
    var value: String? { lock.withLock { reason } }
}
