import Foundation

/// A parameter value as given on the command line (`key=value`) or in JSON.
public enum ParameterValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case number(Double)
    case string(String)
    case bool(Bool)
    case none

    /// Parses command-line text: numbers, true/false, None/null, else a string.
    public init(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "none", "null": self = .none
        case "true": self = .bool(true)
        case "false": self = .bool(false)
        default: self = Double(trimmed).map(ParameterValue.number) ?? .string(trimmed)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .none }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .none: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): value
        case .bool(let value): value ? "true" : "false"
        case .none: "None"
        }
    }
}

/// The parameters of one estimator, read with scikit-learn's names and
/// defaults. Every read records the resolved value (saved with the model);
/// `finish()` rejects names the estimator never asked for.
public struct Parameters: Sendable {
    public let estimator: String
    private var given: [String: ParameterValue]
    private(set) var consulted: [String] = []
    /// Every parameter with its value after defaults, for model.json.
    public private(set) var resolved: [String: ParameterValue] = [:]

    public init(estimator: String, given: [String: ParameterValue] = [:]) {
        self.estimator = estimator
        self.given = given
    }

    func invalid(_ name: String, _ value: ParameterValue, _ expected: String) -> ClassicMLError {
        .invalidParameter(estimator: estimator, name: name, value: value.description, expected: expected)
    }

    public mutating func double(_ name: String, _ defaultValue: Double, _ expected: String = "a number",
                                valid: (Double) -> Bool = { _ in true }) throws -> Double {
        consulted.append(name)
        let value = given[name] ?? .number(defaultValue)
        guard case .number(let number) = value, number.isFinite, valid(number) else { throw invalid(name, value, expected) }
        resolved[name] = value
        return number
    }

    public mutating func int(_ name: String, _ defaultValue: Int, _ expected: String = "an integer",
                             valid: (Int) -> Bool = { _ in true }) throws -> Int {
        consulted.append(name)
        let value = given[name] ?? .number(Double(defaultValue))
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e15, valid(Int(number)) else {
            throw invalid(name, value, expected)
        }
        resolved[name] = value
        return Int(number)
    }

    /// An integer that may be None (e.g. max_depth).
    public mutating func optionalInt(_ name: String, _ defaultValue: Int?, _ expected: String,
                                     valid: (Int) -> Bool = { _ in true }) throws -> Int? {
        consulted.append(name)
        let value = given[name] ?? defaultValue.map { .number(Double($0)) } ?? ParameterValue.none
        if value == .none { resolved[name] = .none; return nil }
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e15, valid(Int(number)) else {
            throw invalid(name, value, expected)
        }
        resolved[name] = value
        return Int(number)
    }

    public mutating func string(_ name: String, _ defaultValue: String, allowed: [String]) throws -> String {
        consulted.append(name)
        let value = given[name] ?? .string(defaultValue)
        guard case .string(let text) = value, allowed.contains(text) else {
            throw invalid(name, value, "one of " + allowed.map { "'\($0)'" }.joined(separator: ", "))
        }
        resolved[name] = value
        return text
    }

    public mutating func bool(_ name: String, _ defaultValue: Bool) throws -> Bool {
        consulted.append(name)
        let value = given[name] ?? .bool(defaultValue)
        guard case .bool(let flag) = value else { throw invalid(name, value, "true or false") }
        resolved[name] = value
        return flag
    }

    /// The raw value, for parameters with mixed types (max_features: "sqrt", 0.5, 3, None).
    public mutating func raw(_ name: String, _ defaultValue: ParameterValue) -> ParameterValue {
        consulted.append(name)
        let value = given[name] ?? defaultValue
        resolved[name] = value
        return value
    }

    /// Throws for a parameter the estimator does not have.
    public func finish() throws {
        let known = Set(consulted)
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            throw ClassicMLError.unknownParameter(estimator: estimator, name: unknown, known: consulted.sorted())
        }
    }
}
