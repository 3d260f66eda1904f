import Tensor

/// Reads one Keras layer config, option by option, and refuses options it
/// does not know, so that a model is never silently trained differently from
/// what its JSON says.
public struct LayerConfigReader {
    public let className: String
    public let config: [String: JSONValue]
    private var consumed: Set<String> = []

    /// Options every Keras layer carries that do not change the computation.
    static let commonOptions: Set<String> = ["name", "trainable", "dtype", "autocast", "input_dim"]

    public init(className: String, config: [String: JSONValue]) {
        self.className = className
        self.config = config
    }

    public var layerName: String { config["name"]?.string ?? className }
    var label: String { "'\(layerName)' (\(className))" }

    mutating func value(_ key: String) -> JSONValue? {
        consumed.insert(key)
        guard let value = config[key], !value.isNull else { return nil }
        return value
    }

    func unsupported(_ key: String, _ found: JSONValue, expected: String) -> NeuralNetError {
        .unsupportedValue(layer: label, option: key, found: found.brief, expected: expected)
    }

    public mutating func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        guard let raw = value(key) else {
            if let fallback { return fallback }
            throw NeuralNetError.invalidModel("layer \(label): option '\(key)' is required")
        }
        guard let number = raw.int else { throw unsupported(key, raw, expected: "an integer") }
        return number
    }

    public mutating func double(_ key: String, default fallback: Double) throws -> Double {
        guard let raw = value(key) else { return fallback }
        guard let number = raw.number else { throw unsupported(key, raw, expected: "a number") }
        return number
    }

    public mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let raw = value(key) else { return fallback }
        guard let flag = raw.bool else { throw unsupported(key, raw, expected: "true or false") }
        return flag
    }

    public mutating func string(_ key: String, default fallback: String) throws -> String {
        guard let raw = value(key) else { return fallback }
        guard let text = raw.string else { throw unsupported(key, raw, expected: "a string") }
        return text
    }

    /// An integer or a list of `count` integers (kernel sizes, strides).
    public mutating func ints(_ key: String, count: Int, default fallback: [Int]? = nil) throws -> [Int] {
        guard let raw = value(key) else {
            if let fallback { return fallback }
            throw NeuralNetError.invalidModel("layer \(label): option '\(key)' is required")
        }
        if let single = raw.int { return Array(repeating: single, count: count) }
        guard let list = raw.array, list.count == count, let values = Optional(list.compactMap(\.int)),
              values.count == count else {
            throw unsupported(key, raw, expected: "an integer or a list of \(count) integers")
        }
        return values
    }

    /// A shape list, possibly with a leading null batch dimension.
    public mutating func shape(_ key: String) throws -> [Int?]? {
        guard let raw = value(key) else { return nil }
        guard let list = raw.array else { throw unsupported(key, raw, expected: "a list of dimensions") }
        return try list.map { item in
            if item.isNull { return nil }
            guard let dimension = item.int, dimension > 0 else { throw unsupported(key, raw, expected: "positive dimensions") }
            return dimension
        }
    }

    public mutating func padding() throws -> Padding {
        let text = try string("padding", default: "valid").lowercased()
        guard let padding = Padding(rawValue: text) else {
            throw unsupported("padding", .string(text), expected: "'valid' or 'same'")
        }
        return padding
    }

    /// Only channels_last (Keras' default) is supported.
    public mutating func requireChannelsLast() throws {
        if let raw = value("data_format"), raw.string != "channels_last" {
            throw unsupported("data_format", raw, expected: "'channels_last'")
        }
    }

    /// Options that must be absent/null (regularizers, constraints): Orchard
    /// does not implement them, so a value is an error rather than ignored.
    public mutating func requireNull(_ keys: String...) throws {
        for key in keys {
            if let raw = value(key) { throw unsupported(key, raw, expected: "null (not implemented)") }
        }
    }

    /// An option that must equal the given value (e.g. dilation_rate 1).
    public mutating func require(_ key: String, equals expected: JSONValue, alternatives: [JSONValue] = []) throws {
        if let raw = value(key), raw != expected, !alternatives.contains(raw) {
            throw unsupported(key, raw, expected: expected.brief)
        }
    }

    /// Options accepted with no effect on the computation.
    public mutating func ignore(_ keys: String...) { consumed.formUnion(keys) }

    /// Fails on the first option nobody read.
    public func finish() throws {
        for key in config.keys.sorted() where !consumed.contains(key) && !Self.commonOptions.contains(key) {
            throw NeuralNetError.unknownOption(layer: label, option: key)
        }
        if let dtype = config["dtype"], !Self.isFloat32(dtype) {
            // A Keras 3 policy object is long; its name is what the user must change.
            let found = dtype["config"]?["name"]?.string.map { "'\($0)'" } ?? dtype.brief
            throw NeuralNetError.unsupportedValue(layer: label, option: "dtype", found: found, expected: "float32")
        }
    }

    static func isFloat32(_ dtype: JSONValue) -> Bool {
        if dtype.isNull { return true }
        if let name = dtype.string { return name == "float32" }
        return dtype["config"]?["name"]?.string == "float32"
    }
}
