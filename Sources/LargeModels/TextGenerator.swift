// Single-sequence generation on the calling thread: the readable loop
// (llama2.c's `generate`). The server uses GenerationScheduler instead, which
// runs the same steps for many sequences per forward pass.

public final class TextGenerator {
    public let model: LlamaModel
    let cache: KVCache
    let state: LlamaState
    /// Prompt tokens per forward pass while prefilling (llama.cpp's default n_batch).
    public var promptChunk = 512
    /// Sees the logits of every step before the next token is picked (tests, log-probabilities).
    public var onLogits: ((UnsafeBufferPointer<Float>) -> Void)?

    public init(model: LlamaModel, contextLength: Int = 2048) {
        self.model = model
        cache = model.makeCache(slots: 1, contextLength: contextLength)
        state = model.makeState()
    }

    /// Generates from `prompt` token ids; `onText` receives text as it becomes final.
    /// Returns the generated token ids (without the end-of-generation token) and why it stopped.
    @discardableResult
    public func generate(prompt: [Int], parameters: SamplingParameters,
                         onText: (String) -> Void = { _ in }) throws -> (tokens: [Int], finish: FinishReason) {
        guard !prompt.isEmpty, prompt.count < cache.contextLength else {
            throw LargeModelError.promptTooLong(tokens: prompt.count, limit: cache.contextLength)
        }
        var sequence = GenerationSequence(prompt: prompt, parameters: parameters, tokenizer: model.tokenizer,
                                          endOfGeneration: model.endOfGenerationIDs, contextLimit: cache.contextLength)
        // Forward the prompt in chunks; only its last token needs logits.
        var position = 0
        while position < prompt.count {
            let end = min(prompt.count, position + promptChunk)
            let batch = (position..<end).map {
                LlamaModel.BatchEntry(token: prompt[$0], slot: 0, position: $0, wantsLogits: $0 == prompt.count - 1)
            }
            model.forward(batch, cache: cache, state: state)
            position = end
        }
        while true {
            // Pick the next token and decode the text it completes.
            onLogits?(state.logits(row: 0))
            let (token, text) = sequence.advance(logits: state.logits(row: 0))
            if !text.isEmpty { onText(text) }
            // Stop on an end-of-generation token, a stop string, max tokens or a full context.
            if let finish = sequence.finishReason { return (sequence.generated, finish) }
            // Forward the new token to get the next logits.
            model.forward([.init(token: token, slot: 0, position: position, wantsLogits: true)], cache: cache, state: state)
            position += 1
        }
    }

    /// Prompt processing only (for benchmarks): forwards `prompt` and returns the last logits' argmax.
    public func evaluate(prompt: [Int]) -> Int {
        var position = 0
        while position < prompt.count {
            let end = min(prompt.count, position + promptChunk)
            model.forward((position..<end).map {
                .init(token: prompt[$0], slot: 0, position: $0, wantsLogits: $0 == prompt.count - 1)
            }, cache: cache, state: state)
            position = end
        }
        let logits = state.logits(row: 0)
        return logits.indices.max { logits[$0] < logits[$1] } ?? 0
    }
}
