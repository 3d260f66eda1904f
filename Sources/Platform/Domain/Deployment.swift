import Foundation

/// A named serving endpoint for a model: which versions receive what share
/// of the traffic, how many replicas, and how requests are batched.
public struct Deployment: Codable, Sendable, Equatable {
    public var tenantID: String
    public var name: String
    public var model: String
    /// Version → weight (e.g. {3: 90, 4: 10}); one entry when not split.
    public var traffic: [Int: Int]
    /// The traffic before the last change, for rollback.
    public var previousTraffic: [Int: Int]?
    public var replicas: Int
    public var maxBatchSize: Int
    public var maxQueueDelayMilliseconds: Double
    public var createdAt: Date
    public var updatedAt: Date

    public init(tenantID: String, name: String, model: String, traffic: [Int: Int], replicas: Int, maxBatchSize: Int,
                maxQueueDelayMilliseconds: Double, createdAt: Date = Date()) {
        self.tenantID = tenantID
        self.name = name
        self.model = model
        self.traffic = traffic
        self.previousTraffic = nil
        self.replicas = replicas
        self.maxBatchSize = maxBatchSize
        self.maxQueueDelayMilliseconds = maxQueueDelayMilliseconds
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// The version with the largest share (ties: the newest).
    public var primaryVersion: Int {
        traffic.max { ($0.value, $0.key) < ($1.value, $1.key) }?.key ?? 0
    }
}
