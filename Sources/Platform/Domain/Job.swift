import Foundation
import NeuralNet

/// A training job; its row is the queue entry
/// (`queued → running → succeeded | failed | cancelled`).
public struct Job: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case queued, running, succeeded, failed, cancelled
        public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
    }

    public struct ModelReference: Codable, Sendable, Equatable {
        public var name: String
        public var version: Int
        public init(name: String, version: Int) {
            self.name = name
            self.version = version
        }
    }

    /// The last epoch checkpoint: the weights (safetensors in the artifact store) after `epoch`.
    public struct Checkpoint: Codable, Sendable, Equatable {
        public var epoch: Int
        public var sha256: String
        public init(epoch: Int, sha256: String) {
            self.epoch = epoch
            self.sha256 = sha256
        }
    }

    public var id: String
    public var tenantID: String
    public var status: Status
    public var request: JobRequest
    /// 0…1 over all epochs.
    public var progress: Double
    /// One entry per finished epoch: {"epoch","seconds","loss",…}.
    public var history: [[String: JSONValue]]
    public var metrics: [String: JSONValue]?
    public var error: String?
    public var model: ModelReference?
    public var checkpoint: Checkpoint?
    public var cancelRequested: Bool
    /// Worker holding the lease, and until when (epoch seconds).
    public var leaseOwner: String?
    public var leaseExpiresAt: Double?
    public var attempts: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(id: String, tenantID: String, request: JobRequest, createdAt: Date = Date()) {
        self.id = id
        self.tenantID = tenantID
        self.status = .queued
        self.request = request
        self.progress = 0
        self.history = []
        self.metrics = nil
        self.error = nil
        self.model = nil
        self.checkpoint = nil
        self.cancelRequested = false
        self.leaseOwner = nil
        self.leaseExpiresAt = nil
        self.attempts = 0
        self.createdAt = createdAt
    }
}
