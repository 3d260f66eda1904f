import Foundation
import NeuralNet

/// One progress event of a job, numbered from 1 in publication order:
/// `progress` (a batch tick), `epoch` (an epoch's logs), `log`, `status`.
public struct JobEvent: Codable, Sendable, Equatable {
    public var jobID: String
    public var sequence: Int
    public var type: String
    public var data: JSONValue
    public var time: Date

    public init(jobID: String, sequence: Int, type: String, data: JSONValue, time: Date = Date()) {
        self.jobID = jobID
        self.sequence = sequence
        self.type = type
        self.data = data
        self.time = time
    }
}
