import Foundation

/// What a pretrained model is: a GGUF chat model or a sentence-embedding
/// folder, served under `name` through the OpenAI-compatible routes.
public enum PretrainedKind: String, Codable, Sendable, CaseIterable {
    /// A GGUF decoder (Llama architecture): chat and text completions.
    case llm
    /// A sentence-transformers folder (BERT): embeddings.
    case embeddings
}

/// A pretrained model to load: from `orchard serve --llm/--embeddings` or
/// registered at run time through `/api/v1/pretrained` (then persisted, so a
/// restart loads it again).
public struct PretrainedRegistration: Codable, Sendable, Equatable {
    public var name: String
    public var kind: PretrainedKind
    public var path: String
    /// Tenant ids allowed to use it; nil: every tenant.
    public var tenants: [String]?
    /// Generation slots (llm); nil: the server's default.
    public var parallel: Int?
    /// Context length per slot in tokens (llm); nil: the server's default.
    public var contextLength: Int?
    public var createdAt: Date

    public init(name: String, kind: PretrainedKind, path: String, tenants: [String]? = nil, parallel: Int? = nil,
                contextLength: Int? = nil, createdAt: Date = Date()) {
        self.name = name
        self.kind = kind
        self.path = path
        self.tenants = tenants
        self.parallel = parallel
        self.contextLength = contextLength
        self.createdAt = createdAt
    }

    /// Whether `principal` may use the model: admins always; tenants when no
    /// list is given or theirs is on it.
    public func isVisible(to principal: Principal) -> Bool {
        principal.isAdmin || tenants.map { $0.contains(principal.tenantID) } ?? true
    }
}

extension PretrainedRegistration {
    /// Parses the command line form `PATH[:NAME]`; the name defaults to the
    /// file's or folder's stem (`SmolLM2-135M-Instruct.Q4_1.gguf` →
    /// `SmolLM2-135M-Instruct.Q4_1`). A suffix after the last ':' is a name
    /// only when it has no '/'.
    public static func parse(_ argument: String, kind: PretrainedKind) throws -> PretrainedRegistration {
        var path = argument
        var name: String?
        if let colon = argument.lastIndex(of: ":") {
            let suffix = argument[argument.index(after: colon)...]
            if !suffix.contains("/"), colon != argument.startIndex {
                path = String(argument[..<colon])
                name = String(suffix)
            }
        }
        let field = kind == .llm ? "--llm" : "--embeddings"
        guard !path.isEmpty else { throw ServiceError.invalid(field: field, message: "expected PATH[:NAME], found '\(argument)'") }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let stem = kind == .llm ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
        let resolved = name ?? stem
        try ResourceName.validate(resolved, field: field)
        return PretrainedRegistration(name: resolved, kind: kind, path: url.path)
    }
}
