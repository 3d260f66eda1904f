import Foundation
import Platform
import Testing

/// Per-tenant quotas: a token bucket per tenant and an inference concurrency cap.
@Suite struct TenantLimiterTests {
    @Test func tokenBucketRefillsAtTheRate() throws {
        var configuration = TenantLimiter.Configuration()
        configuration.requestsPerSecond = 8  // one token per 0.125 s (exact in binary)
        configuration.burst = 3
        let limiter = TenantLimiter(configuration: configuration)
        for _ in 0..<3 { try limiter.admit(tenantID: "a", now: 100) }
        #expect(throws: RateLimited.self) { try limiter.admit(tenantID: "a", now: 100) }
        do {
            try limiter.admit(tenantID: "a", now: 100.0625)
            Issue.record("half a token let a request through")
        } catch let limited as RateLimited {
            #expect(limited.retryAfter == 0.0625)
        }
        try limiter.admit(tenantID: "b", now: 100)  // another tenant has its own bucket
        try limiter.admit(tenantID: "a", now: 100.125)  // one token back after 0.125 s
        #expect(throws: RateLimited.self) { try limiter.admit(tenantID: "a", now: 100.125) }
        for _ in 0..<3 { try limiter.admit(tenantID: "a", now: 200) }  // refills only up to the burst
        #expect(throws: RateLimited.self) { try limiter.admit(tenantID: "a", now: 200) }
    }

    @Test func inferenceConcurrencyIsCappedPerTenant() throws {
        var configuration = TenantLimiter.Configuration()
        configuration.maxConcurrentInferences = 2
        let limiter = TenantLimiter(configuration: configuration)
        let first = try limiter.beginInference(tenantID: "a")
        var second: TenantLimiter.InferenceSlot? = try limiter.beginInference(tenantID: "a")
        #expect(throws: RateLimited.self) { _ = try limiter.beginInference(tenantID: "a") }
        _ = try limiter.beginInference(tenantID: "b")
        first.release()
        first.release()  // once only
        #expect(limiter.inferencesInProgress(tenantID: "a") == 1)
        second = nil  // a dropped slot releases too
        #expect(second == nil)
        #expect(limiter.inferencesInProgress(tenantID: "a") == 0)
        _ = try limiter.beginInference(tenantID: "a")
    }
}
