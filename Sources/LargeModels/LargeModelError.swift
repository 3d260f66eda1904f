// Errors from loading and running large models; each says what to fix.

public enum LargeModelError: Error, CustomStringConvertible, Equatable, Sendable {
    case unsupportedArchitecture(String)
    case missingHyperparameter(key: String)
    case invalidHyperparameter(key: String, value: String, expected: String)
    case unsupportedTensorType(tensor: String, type: String)
    case tensorShape(tensor: String, expected: [Int], found: [Int])
    case unknownChatTemplate(excerpt: String)
    case contextFull(limit: Int)
    case promptTooLong(tokens: Int, limit: Int)
    case invalidConfiguration(file: String, problem: String)
    /// Token ids from a caller that the model's vocabulary does not have.
    case tokenOutOfRange(id: Int, vocabulary: Int)
    case cancelled

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let a):
            return "general.architecture '\(a)' is not supported; supported: llama"
        case .missingHyperparameter(let key):
            return "hyperparameter '\(key)' is missing from the model file"
        case .invalidHyperparameter(let key, let value, let expected):
            return "hyperparameter '\(key)' is \(value); expected \(expected)"
        case .unsupportedTensorType(let tensor, let type):
            return "tensor '\(tensor)' has type \(type), which this engine cannot multiply; supported: F32, F16, BF16, Q4_0, Q4_1, Q8_0, Q4_K, Q6_K"
        case .tensorShape(let tensor, let expected, let found):
            return "tensor '\(tensor)' has dims \(found); expected \(expected)"
        case .unknownChatTemplate(let excerpt):
            return "tokenizer.chat_template is not one this engine recognises (ChatML, Llama 3, Mistral): \(excerpt)"
        case .contextFull(let limit):
            return "the sequence reached the context limit of \(limit) tokens"
        case .promptTooLong(let tokens, let limit):
            return "the prompt has \(tokens) tokens; the context holds \(limit)"
        case .invalidConfiguration(let file, let problem):
            return "\(file): \(problem)"
        case .tokenOutOfRange(let id, let vocabulary):
            return "token id \(id) is outside the vocabulary (0..<\(vocabulary))"
        case .cancelled:
            return "the request was cancelled"
        }
    }
}
