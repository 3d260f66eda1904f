/// Errors of pretrained models that the service's general errors do not
/// cover; the OpenAI routes map each to a status and an OpenAI error code.
public enum PretrainedError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A model file or folder that cannot be loaded (a startup error for
    /// `orchard serve`, 400 for a registration).
    case loadFailed(name: String, path: String, problem: String)
    /// The prompt does not leave room for one generated token (400, `context_length_exceeded`).
    case promptTooLong(tokens: Int, contextLength: Int)
    /// Every slot is busy and the waiting line is at its limit (429).
    case queueFull(model: String, waiting: Int)
    /// The model exists but is of the other kind (400 naming `model`).
    case wrongKind(model: String, kind: PretrainedKind)

    public var description: String {
        switch self {
        case .loadFailed(let name, let path, let problem):
            return "cannot load pretrained model '\(name)' from \(path): \(problem)"
        case .promptTooLong(let tokens, let contextLength):
            return "the prompt has \(tokens) tokens; this model's context holds \(contextLength) (prompt and completion together)"
        case .queueFull(let model, let waiting):
            return "model '\(model)' is busy: all its slots are in use and \(waiting) requests are waiting; retry later"
        case .wrongKind(let model, let kind):
            return kind == .llm
                ? "'\(model)' is a language model; use /v1/chat/completions or /v1/completions"
                : "'\(model)' is an embeddings model; use /v1/embeddings"
        }
    }
}
