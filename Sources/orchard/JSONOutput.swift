import Foundation
import NeuralNet

/// Prints one compact JSON object as the last line of standard output.
func printJSONLine(_ value: JSONValue) {
    FileHandle.standardOutput.write(value.serialized() + Data("\n".utf8))
}

extension JSONValue {
    static func logs(_ logs: [String: Double]) -> [String: JSONValue] { logs.mapValues { .number($0) } }
}
