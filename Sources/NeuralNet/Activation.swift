import Tensor

/// Keras activations by name.
public enum Activation: String, CaseIterable, Sendable {
    case linear, relu, sigmoid, tanh, softmax, gelu
    case leakyRelu = "leaky_relu"

    public init(kerasName: String) throws {
        guard let activation = Activation(rawValue: kerasName.lowercased()) else {
            throw NeuralNetError.unknownName(kind: "activation", name: kerasName,
                                             known: Activation.allCases.map(\.rawValue))
        }
        self = activation
    }

    /// Reads an `activation` option: a name, null (linear) or a Keras 3
    /// serialized function `{"class_name": "function", "config": "relu", …}`.
    static func read(_ reader: inout LayerConfigReader, key: String = "activation") throws -> Activation {
        guard let raw = reader.value(key) else { return .linear }
        if let name = raw.string ?? raw["config"]?.string ?? raw["config"]?["name"]?.string {
            do { return try Activation(kerasName: name) } catch {
                throw reader.unsupported(key, raw, expected: Activation.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        throw reader.unsupported(key, raw, expected: "an activation name")
    }

    /// Whether a ≤ b implies f(a) ≤ f(b) elementwise (so f commutes with max).
    public var isNonDecreasing: Bool {
        switch self {
        case .linear, .relu, .sigmoid, .tanh, .leakyRelu: true
        case .softmax, .gelu: false
        }
    }

    public func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .linear: x
        case .relu: x.relu()
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        case .softmax: x.softmax()
        case .gelu: x.gelu()
        case .leakyRelu: x.leakyRelu()
        }
    }

    var config: JSONValue { .string(rawValue) }
}
