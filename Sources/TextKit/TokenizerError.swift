import Foundation

/// Errors thrown while building a tokenizer.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// The data is not a JSON object.
    case invalidJSON(String)
    /// A required field is absent or has the wrong type; `field` is its dotted path (e.g. `model.vocab`).
    case missingField(String)
    /// A field holds a value this implementation does not support (e.g. `model.type` = "Unigram").
    case unsupported(field: String, value: String)
    /// Inconsistent vocabulary data (a merge naming an unknown token, array length mismatch…).
    case invalidVocabulary(String)

    public var description: String {
        switch self {
        case .invalidJSON(let why): return "tokenizer: invalid JSON: \(why)"
        case .missingField(let field): return "tokenizer: missing or malformed field '\(field)'"
        case .unsupported(let field, let value): return "tokenizer: unsupported \(field) '\(value)'"
        case .invalidVocabulary(let why): return "tokenizer: invalid vocabulary: \(why)"
        }
    }
}

/// Small helpers over `JSONSerialization` output that name the missing field in errors.
enum JSONFields {
    static func object(_ data: Data) throws -> [String: Any] {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TokenizerError.invalidJSON(String(describing: error))
        }
        guard let obj = any as? [String: Any] else { throw TokenizerError.invalidJSON("top level is not an object") }
        return obj
    }

    static func dict(_ obj: [String: Any], _ key: String, path: String) throws -> [String: Any] {
        guard let v = obj[key] as? [String: Any] else { throw TokenizerError.missingField(path) }
        return v
    }

    static func string(_ obj: [String: Any], _ key: String, path: String) throws -> String {
        guard let v = obj[key] as? String else { throw TokenizerError.missingField(path) }
        return v
    }

    /// nil when absent or JSON null; throws when present with another type.
    static func optionalString(_ obj: [String: Any], _ key: String, path: String) throws -> String? {
        guard let v = obj[key], !(v is NSNull) else { return nil }
        guard let s = v as? String else { throw TokenizerError.missingField(path) }
        return s
    }

    static func optionalBool(_ obj: [String: Any], _ key: String, path: String) throws -> Bool? {
        guard let v = obj[key], !(v is NSNull) else { return nil }
        if let b = v as? Bool { return b }
        if let n = v as? NSNumber { return n.boolValue }
        throw TokenizerError.missingField(path)
    }

    static func optionalInt(_ obj: [String: Any], _ key: String, path: String) throws -> Int? {
        guard let v = obj[key], !(v is NSNull) else { return nil }
        if let n = v as? Int { return n }
        if let n = v as? NSNumber { return n.intValue }
        throw TokenizerError.missingField(path)
    }

    static func isNull(_ obj: [String: Any], _ key: String) -> Bool {
        guard let v = obj[key] else { return true }
        return v is NSNull
    }

    /// `[String: Int]` vocabulary.
    static func vocab(_ obj: [String: Any], _ key: String, path: String) throws -> [(String, Int)] {
        guard let v = obj[key] as? [String: Any] else { throw TokenizerError.missingField(path) }
        var out: [(String, Int)] = []
        out.reserveCapacity(v.count)
        for (k, idAny) in v {
            guard let n = idAny as? NSNumber, n.intValue >= 0 else { throw TokenizerError.missingField("\(path).\(k)") }
            out.append((k, n.intValue))
        }
        return out
    }

    /// `added_tokens`: `[{id, content, special}]` (absent → empty).
    static func addedTokens(_ obj: [String: Any]) throws -> [(id: Int, content: String, special: Bool)] {
        guard let v = obj["added_tokens"], !(v is NSNull) else { return [] }
        guard let arr = v as? [Any] else { throw TokenizerError.missingField("added_tokens") }
        var out: [(id: Int, content: String, special: Bool)] = []
        for (i, e) in arr.enumerated() {
            guard let d = e as? [String: Any] else { throw TokenizerError.missingField("added_tokens[\(i)]") }
            guard let id = try optionalInt(d, "id", path: "added_tokens[\(i)].id"), id >= 0 else {
                throw TokenizerError.missingField("added_tokens[\(i)].id")
            }
            let content = try string(d, "content", path: "added_tokens[\(i)].content")
            let special = try optionalBool(d, "special", path: "added_tokens[\(i)].special") ?? false
            out.append((id, content, special))
        }
        return out
    }
}
