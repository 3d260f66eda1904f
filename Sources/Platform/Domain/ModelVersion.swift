import Foundation
import NeuralNet

/// One registered version of a named model: the saved-model files (in the
/// artifact store), the architecture, metrics and where it came from.
public struct ModelVersion: Codable, Sendable, Equatable {
    public struct Lineage: Codable, Sendable, Equatable {
        public var datasetID: String
        public var datasetSHA256: String
        public var jobID: String
        public var seed: UInt64
        public var orchardVersion: String

        public init(datasetID: String, datasetSHA256: String, jobID: String, seed: UInt64, orchardVersion: String) {
            self.datasetID = datasetID
            self.datasetSHA256 = datasetSHA256
            self.jobID = jobID
            self.seed = seed
            self.orchardVersion = orchardVersion
        }
    }

    public var tenantID: String
    public var name: String
    public var version: Int
    /// The architecture as Keras 3 `to_json()`.
    public var spec: JSONValue
    public var metrics: [String: JSONValue]
    public var lineage: Lineage
    /// File name in the saved-model directory → sha256 in the artifact store.
    public var files: [String: String]
    public var createdAt: Date

    public init(tenantID: String, name: String, version: Int, spec: JSONValue, metrics: [String: JSONValue],
                lineage: Lineage, files: [String: String], createdAt: Date = Date()) {
        self.tenantID = tenantID
        self.name = name
        self.version = version
        self.spec = spec
        self.metrics = metrics
        self.lineage = lineage
        self.files = files
        self.createdAt = createdAt
    }
}
