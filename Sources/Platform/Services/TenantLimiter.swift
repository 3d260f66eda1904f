import Foundation

/// Per-tenant quotas on the request path: a token bucket on every
/// authenticated request (`requestsPerSecond` sustained, `burst` at once)
/// and a cap on the inference requests a tenant has in progress. One team
/// cannot starve the others of the service or of the models' replicas.
public final class TenantLimiter: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Sustained requests per second per tenant; 0 turns the rate limit off.
        public var requestsPerSecond: Double = 0
        /// Requests a tenant may send at once after a quiet period; 0 means `max(1, requestsPerSecond)`.
        public var burst: Double = 0
        /// Inference requests in progress per tenant; 0 turns the limit off.
        public var maxConcurrentInferences = 64
        public init() {}

        var bucketSize: Double { burst > 0 ? burst : max(1, requestsPerSecond) }
    }

    public let configuration: Configuration
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, time: Double)] = [:]
    private var inferences: [String: Int] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Takes a token from the tenant's bucket; throws `RateLimited` (429)
    /// with the time until the next token when it is empty.
    public func admit(tenantID: String, now: Double = ProcessInfo.processInfo.systemUptime) throws {
        let rate = configuration.requestsPerSecond
        guard rate > 0 else { return }
        let size = configuration.bucketSize
        let wait: Double? = lock.withLock {
            var bucket = buckets[tenantID] ?? (size, now)
            bucket.tokens = min(size, bucket.tokens + (now - bucket.time) * rate)
            bucket.time = now
            defer { buckets[tenantID] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / rate
        }
        if let wait {
            throw RateLimited(retryAfter: wait, message: "rate limit of \(Self.format(rate)) requests/s for this tenant exceeded; "
                              + "retry after \(String(format: "%.2f", wait)) s")
        }
    }

    /// Counts an inference request in progress until `release` is called;
    /// throws `RateLimited` when the tenant already has the maximum.
    public func beginInference(tenantID: String) throws -> InferenceSlot {
        let limit = configuration.maxConcurrentInferences
        guard limit > 0 else { return InferenceSlot(release: nil) }
        let admitted: Bool = lock.withLock {
            let current = inferences[tenantID] ?? 0
            guard current < limit else { return false }
            inferences[tenantID] = current + 1
            return true
        }
        guard admitted else {
            throw RateLimited(retryAfter: 1, message: "this tenant already has \(limit) inference requests in progress (the limit); "
                              + "retry when one finishes")
        }
        return InferenceSlot { [self] in
            lock.withLock {
                let left = (inferences[tenantID] ?? 1) - 1
                inferences[tenantID] = left > 0 ? left : nil
            }
        }
    }

    /// Inference requests a tenant has in progress.
    public func inferencesInProgress(tenantID: String) -> Int { lock.withLock { inferences[tenantID] ?? 0 } }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Releases its place once, however many times `release` is called.
    public final class InferenceSlot: @unchecked Sendable {
        private var action: (() -> Void)?
        private let lock = NSLock()

        init(release: (() -> Void)?) { action = release }

        public func release() {
            let run = lock.withLock { () -> (() -> Void)? in
                defer { action = nil }
                return action
            }
            run?()
        }

        deinit { action?() }
    }
}

/// 429 Too Many Requests: the caller should wait `retryAfter` seconds.
public struct RateLimited: Error, CustomStringConvertible, Equatable {
    public let retryAfter: Double
    public let message: String
    public var description: String { message }
}
