// Errors from reading GGUF files. Each names the file, the byte offset where
// the problem was found and what was expected there.

public enum GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotOpen(path: String, reason: String)
    /// The structure is wrong at `offset`: `expected` says what should be there, `found` what is.
    case malformed(path: String, offset: Int, expected: String, found: String)
    case truncated(path: String, offset: Int, needed: Int, available: Int, reading: String)
    case noSuchKey(path: String, key: String)
    case wrongValueType(path: String, key: String, expected: String, found: String)
    case noSuchTensor(path: String, name: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open GGUF file (\(reason))"
        case .malformed(let path, let offset, let expected, let found):
            return "\(path): at byte \(offset): expected \(expected), found \(found)"
        case .truncated(let path, let offset, let needed, let available, let reading):
            return "\(path): at byte \(offset): reading \(reading) needs \(needed) bytes but only \(available) remain; the file is truncated"
        case .noSuchKey(let path, let key):
            return "\(path): metadata key '\(key)' is missing"
        case .wrongValueType(let path, let key, let expected, let found):
            return "\(path): metadata key '\(key)' holds \(found); expected \(expected)"
        case .noSuchTensor(let path, let name):
            return "\(path): no tensor named '\(name)'"
        }
    }
}
