// Continuous batching over one copy of the weights: N slots, each holding one
// sequence; every step forwards, in one batch, a prompt chunk of sequences
// still prefilling and the last token of every decoding sequence, so each
// weight matrix is read once per step for all of them. A slot freed at the
// end of a sequence takes the next waiting request at the following step.
//
// Compute runs on one dedicated thread (not the Swift concurrency pool, which
// has as many threads as cores and also serves the HTTP server); callers get
// an AsyncThrowingStream of events. Cancelling the consuming task frees the
// slot at the next step.

import Foundation

public enum GenerationEvent: Sendable {
    /// Newly final text and the tokens that produced it (text may be empty while UTF-8 or a stop string is pending).
    case delta(text: String, tokens: [Int])
    case finished(FinishReason, GenerationUsage)
}

public final class GenerationScheduler: @unchecked Sendable {
    public let model: LlamaModel
    public let slotCount: Int
    public let contextLength: Int
    /// Prompt tokens forwarded per step across all prefilling slots.
    public var prefillBudget = 256
    /// Sums of the quantized products when several sequences decode in one
    /// step. `.blockSums` (default) is faster; a sequence's tokens may then
    /// differ from its lone decoding (TextGenerator, llama.cpp) where two logits
    /// tie within rounding. `.llamaCpp` keeps every sequence bit-identical to it.
    public let decodingSums: QuantizedSums

    private final class Request {
        let prompt: [Int]
        let parameters: SamplingParameters
        let continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation
        /// Set from the stream's termination handler, which may run on any thread,
        /// including the compute thread inside `finish()`: guarded by its own lock.
        private let cancelLock = NSLock()
        private var isCancelled = false
        var cancelled: Bool {
            get { cancelLock.lock(); defer { cancelLock.unlock() }; return isCancelled }
            set { cancelLock.lock(); isCancelled = newValue; cancelLock.unlock() }
        }
        init(prompt: [Int], parameters: SamplingParameters, continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation) {
            self.prompt = prompt
            self.parameters = parameters
            self.continuation = continuation
        }
    }

    private struct Slot {
        let request: Request
        var sequence: GenerationSequence
        /// Prompt tokens already in the cache.
        var prefilled = 0
        /// Token to forward next while decoding.
        var pending: Int?
    }

    private let cache: KVCache
    private let state: LlamaState
    private let condition = NSCondition()
    private var waiting: [Request] = []
    private var slots: [Slot?]
    private var stopped = false
    private var thread: Thread?

    public init(model: LlamaModel, slots: Int = 4, contextLength: Int = 2048, decodingSums: QuantizedSums = .blockSums) {
        self.model = model
        self.decodingSums = decodingSums
        slotCount = max(1, slots)
        cache = model.makeCache(slots: slotCount, contextLength: contextLength)
        self.contextLength = cache.contextLength
        state = model.makeState()
        self.slots = Array(repeating: nil, count: slotCount)
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "orchard-llm"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    deinit { shutdown() }

    /// Stops the compute thread; waiting and active requests finish with `.cancelled`.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// Chat messages rendered with the model's template, then generated.
    public func chat(_ messages: [ChatMessage], parameters: SamplingParameters) -> AsyncThrowingStream<GenerationEvent, Error> {
        generate(prompt: model.encodePrompt(model.chatTemplate.render(messages)), parameters: parameters)
    }

    public func generate(prompt text: String, parameters: SamplingParameters) -> AsyncThrowingStream<GenerationEvent, Error> {
        generate(prompt: model.encodePrompt(text), parameters: parameters)
    }

    public func generate(prompt: [Int], parameters: SamplingParameters) -> AsyncThrowingStream<GenerationEvent, Error> {
        AsyncThrowingStream { continuation in
            guard !prompt.isEmpty, prompt.count < contextLength else {
                continuation.finish(throwing: LargeModelError.promptTooLong(tokens: prompt.count, limit: contextLength))
                return
            }
            let request = Request(prompt: prompt, parameters: parameters, continuation: continuation)
            continuation.onTermination = { _ in request.cancelled = true }
            condition.lock()
            waiting.append(request)
            condition.signal()
            condition.unlock()
        }
    }

    /// Requests waiting for a slot and slots in use (for metrics and tests).
    public var load: (waiting: Int, active: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (waiting.count, slots.compactMap { $0 }.count)
    }

    // MARK: - Compute thread

    private func run() {
        while true {
            condition.lock()
            // Drop cancelled work; give free slots to waiting requests (first come, first served).
            waiting.removeAll { $0.cancelled }
            for i in slots.indices {
                if let slot = slots[i], slot.request.cancelled {
                    slot.request.continuation.finish()
                    slots[i] = nil
                }
                if slots[i] == nil, !waiting.isEmpty {
                    let r = waiting.removeFirst()
                    slots[i] = Slot(request: r, sequence: GenerationSequence(
                        prompt: r.prompt, parameters: r.parameters, tokenizer: model.tokenizer,
                        endOfGeneration: model.endOfGenerationIDs, contextLimit: contextLength))
                }
            }
            while !stopped && slots.allSatisfy({ $0 == nil }) && waiting.isEmpty {
                condition.wait()
                waiting.removeAll { $0.cancelled }
            }
            if stopped {
                for r in waiting { r.continuation.finish(throwing: LargeModelError.cancelled) }
                for s in slots.compactMap({ $0 }) { s.request.continuation.finish(throwing: LargeModelError.cancelled) }
                waiting.removeAll()
                slots = Array(repeating: nil, count: slotCount)
                condition.unlock()
                return
            }
            let hasWork = slots.contains { $0 != nil }
            condition.unlock()
            if hasWork { step() }
        }
    }

    /// One forward pass over every active slot, then sampling and events.
    private func step() {
        // Build the batch: decoding slots contribute their pending token; prefilling slots a prompt chunk.
        var batch: [LlamaModel.BatchEntry] = []
        var logitOwners: [Int] = []
        var budget = prefillBudget
        for i in slots.indices {
            guard let slot = slots[i] else { continue }
            if let token = slot.pending {
                let position = slot.sequence.promptTokens.count + slot.sequence.generated.count - 1
                batch.append(.init(token: token, slot: i, position: position, wantsLogits: true))
                logitOwners.append(i)
            } else if budget > 0 {
                let prompt = slot.sequence.promptTokens
                let end = min(prompt.count, slot.prefilled + budget)
                for p in slot.prefilled..<end {
                    batch.append(.init(token: prompt[p], slot: i, position: p, wantsLogits: p == prompt.count - 1))
                }
                if end == prompt.count { logitOwners.append(i) }
                budget -= end - slot.prefilled
                slots[i]!.prefilled = end
            }
        }
        guard !batch.isEmpty else { return }
        model.forward(batch, cache: cache, state: state, decodingSums: decodingSums)

        // Sample each slot's next token, stream its text, free finished slots.
        condition.lock()
        defer { condition.unlock() }
        for (row, i) in logitOwners.enumerated() {
            guard var slot = slots[i] else { continue }
            let before = slot.sequence.generated.count
            let (token, text) = slot.sequence.advance(logits: state.logits(row: row))
            let emitted = slot.sequence.generated.count > before ? [token] : []
            if !text.isEmpty || !emitted.isEmpty { slot.request.continuation.yield(.delta(text: text, tokens: emitted)) }
            if let finish = slot.sequence.finishReason {
                slot.request.continuation.yield(.finished(finish, slot.sequence.usage))
                slot.request.continuation.finish()
                slots[i] = nil
            } else {
                slot.pending = token
                slots[i] = slot
            }
        }
    }
}
