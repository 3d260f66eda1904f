import Tensor

/// Keras weight initializers (same distributions and fan computations).
public enum Initializer: Equatable, Sendable {
    case glorotUniform, glorotNormal, heUniform, heNormal, zeros, ones
    case constant(Float)
    case randomUniform(Float, Float)
    case randomNormal(mean: Float, standardDeviation: Float)

    static let names: [String: Initializer] = [
        "glorotuniform": .glorotUniform, "glorot_uniform": .glorotUniform,
        "glorotnormal": .glorotNormal, "glorot_normal": .glorotNormal,
        "heuniform": .heUniform, "he_uniform": .heUniform,
        "henormal": .heNormal, "he_normal": .heNormal,
        "zeros": .zeros, "ones": .ones,
    ]

    /// Reads an initializer option: a name ("glorot_uniform") or an object
    /// `{"class_name": "GlorotUniform", "config": {"seed": null}}`.
    static func read(_ reader: inout LayerConfigReader, key: String, default fallback: Initializer) throws -> Initializer {
        guard let raw = reader.value(key) else { return fallback }
        let className = raw.string ?? raw["class_name"]?.string ?? ""
        let config = raw["config"]?.object ?? [:]
        if let known = names[className.lowercased()] { return known }
        func number(_ key: String, _ fallback: Double) -> Float { Float(config[key]?.number ?? fallback) }
        switch className {
        case "Constant", "constant": return .constant(number("value", 0))
        case "RandomUniform", "random_uniform": return .randomUniform(number("minval", -0.05), number("maxval", 0.05))
        case "RandomNormal", "random_normal":
            return .randomNormal(mean: number("mean", 0), standardDeviation: number("stddev", 0.05))
        default:
            throw reader.unsupported(key, raw, expected: "GlorotUniform, GlorotNormal, HeUniform, HeNormal, Zeros, Ones, "
                                     + "Constant, RandomUniform or RandomNormal")
        }
    }

    /// Keras' fans: the last axis is fan-out, the one before fan-in, the rest
    /// the receptive field.
    static func fans(_ shape: [Int]) -> (fanIn: Float, fanOut: Float) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (Float(shape[0]), Float(shape[0]))
        default:
            let receptive = Float(shape.dropLast(2).reduce(1, *))
            return (Float(shape[shape.count - 2]) * receptive, Float(shape[shape.count - 1]) * receptive)
        }
    }

    public func make(_ shape: [Int], generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = Initializer.fans(shape)
        // Keras divides by the standard deviation of a unit normal truncated at ±2.
        let truncationCorrection: Float = 0.87962566103423978
        switch self {
        case .zeros: return Tensor.zeros(shape)
        case .ones: return Tensor.filled(shape, with: 1)
        case .constant(let value): return Tensor.filled(shape, with: value)
        case .glorotUniform:
            let limit = (6 / (fanIn + fanOut)).squareRoot()
            return Tensor.uniform(shape, low: -limit, high: limit, generator: &generator)
        case .heUniform:
            let limit = (6 / fanIn).squareRoot()
            return Tensor.uniform(shape, low: -limit, high: limit, generator: &generator)
        case .glorotNormal:
            return Tensor.normal(shape, standardDeviation: (2 / (fanIn + fanOut)).squareRoot() / truncationCorrection,
                                 truncated: true, generator: &generator)
        case .heNormal:
            return Tensor.normal(shape, standardDeviation: (2 / fanIn).squareRoot() / truncationCorrection,
                                 truncated: true, generator: &generator)
        case .randomUniform(let low, let high):
            return Tensor.uniform(shape, low: low, high: high, generator: &generator)
        case .randomNormal(let mean, let deviation):
            return Tensor.normal(shape, mean: mean, standardDeviation: deviation, generator: &generator)
        }
    }

    var config: JSONValue {
        let className: String
        var config: [String: JSONValue] = ["seed": nil]
        switch self {
        case .glorotUniform: className = "GlorotUniform"
        case .glorotNormal: className = "GlorotNormal"
        case .heUniform: className = "HeUniform"
        case .heNormal: className = "HeNormal"
        case .zeros: className = "Zeros"; config = [:]
        case .ones: className = "Ones"; config = [:]
        case .constant(let value): className = "Constant"; config = ["value": .number(Double(value))]
        case .randomUniform(let low, let high):
            className = "RandomUniform"
            config["minval"] = .number(Double(low)); config["maxval"] = .number(Double(high))
        case .randomNormal(let mean, let deviation):
            className = "RandomNormal"
            config["mean"] = .number(Double(mean)); config["stddev"] = .number(Double(deviation))
        }
        return ["module": "keras.initializers", "class_name": .string(className),
                "config": .object(config), "registered_name": nil]
    }
}
