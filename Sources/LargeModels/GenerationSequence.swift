// One sequence being generated: its tokens, sampler and stop conditions, and
// the text released so far. Shared by the single-sequence loop
// (TextGenerator) and the continuous-batching scheduler.

import TextKit

public enum FinishReason: String, Sendable, Codable {
    /// End-of-generation token or a stop string.
    case stop
    /// max_tokens or the context limit.
    case length
    case cancelled
}

public struct GenerationUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }
}

struct GenerationSequence {
    let promptTokens: [Int]
    private(set) var generated: [Int] = []
    var sampler: Sampler
    private var decoder: StreamingDecoder
    /// Text decoded but not yet released (it might be the start of a stop string).
    private var heldText = ""
    private let stopStrings: [String]
    private let endOfGeneration: Set<Int>
    private let maxTokens: Int
    private let contextLimit: Int
    private(set) var finishReason: FinishReason?

    init(prompt: [Int], parameters: SamplingParameters, tokenizer: BPETokenizer, endOfGeneration: Set<Int>, contextLimit: Int) {
        promptTokens = prompt
        sampler = Sampler(parameters)
        decoder = StreamingDecoder(tokenizer, skipSpecial: true)
        stopStrings = parameters.stop.filter { !$0.isEmpty }
        self.endOfGeneration = parameters.ignoreEndOfGeneration ? [] : endOfGeneration
        maxTokens = parameters.maxTokens
        self.contextLimit = contextLimit
    }

    var allTokens: [Int] { promptTokens + generated }
    var usage: GenerationUsage { GenerationUsage(promptTokens: promptTokens.count, completionTokens: generated.count) }

    /// Samples from `logits`, records the token and checks the stop conditions.
    /// Returns the token and the text that can be released now.
    mutating func advance(logits: UnsafeBufferPointer<Float>) -> (token: Int, text: String) {
        // Pick the next token.
        let token = sampler.sample(logits, history: allTokens)
        // End-of-generation tokens are not part of the output.
        if endOfGeneration.contains(token) {
            finishReason = .stop
            return (token, flush())
        }
        generated.append(token)
        // Decode (holding back incomplete UTF-8) and look for stop strings.
        heldText += decoder.push(token)
        if let (text, found) = cutAtStopString() {
            heldText = ""
            if found { finishReason = .stop; return (token, text) }
        }
        var released = releasableText()
        if generated.count >= maxTokens || promptTokens.count + generated.count >= contextLimit {
            finishReason = .length
            released += flush()
        }
        return (token, released)
    }

    mutating func cancel() { finishReason = .cancelled }

    /// If a stop string occurs in the held text: the text before it and true.
    private func cutAtStopString() -> (String, Bool)? {
        for s in stopStrings {
            if let r = heldText.range(of: s) { return (String(heldText[..<r.lowerBound]), true) }
        }
        return nil
    }

    /// Releases held text except a suffix that could begin a stop string.
    private mutating func releasableText() -> String {
        var keep = 0
        for s in stopStrings {
            for length in stride(from: min(s.count - 1, heldText.count), to: 0, by: -1)
            where heldText.hasSuffix(s.prefix(length)) {
                keep = max(keep, length)
                break
            }
        }
        let cut = heldText.index(heldText.endIndex, offsetBy: -keep)
        let out = String(heldText[..<cut])
        heldText = String(heldText[cut...])
        return out
    }

    private mutating func flush() -> String {
        heldText += decoder.finish()
        if let (text, _) = cutAtStopString() { heldText = ""; return text }
        defer { heldText = "" }
        return heldText
    }
}
