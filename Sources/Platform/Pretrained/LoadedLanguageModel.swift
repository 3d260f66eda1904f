import Foundation
import LargeModels

/// A GGUF chat model being served: one copy of the weights (memory-mapped)
/// behind a continuous-batching scheduler with `slots` sequences, and a
/// bounded line of requests waiting for a slot.
public final class LoadedLanguageModel: Sendable {
    public let model: LlamaModel
    public let scheduler: GenerationScheduler
    /// Requests that may wait for a slot before new ones are refused (429).
    public let maxWaiting: Int

    init(model: LlamaModel, slots: Int, contextLength: Int, maxWaiting: Int, decodingSums: QuantizedSums = .blockSums) {
        self.model = model
        scheduler = GenerationScheduler(model: model, slots: slots, contextLength: contextLength, decodingSums: decodingSums)
        self.maxWaiting = maxWaiting
    }

    public var slots: Int { scheduler.slotCount }
    public var contextLength: Int { scheduler.contextLength }
    /// Bytes of the mapped GGUF file (shared by every name that serves it).
    public var weightBytes: Int {
        ((try? FileManager.default.attributesOfItem(atPath: model.file.path)[.size]) as? NSNumber)?.intValue ?? 0
    }
    /// KV cache per slot: keys and values, F16, every layer, the whole context.
    public var kvCacheBytesPerSlot: Int { 2 * model.hyperparameters.layerCount * contextLength * model.hyperparameters.kvDim * 2 }

    /// Prompt tokens for chat messages, rendered with the model's template (as `GenerationScheduler.chat`).
    public func prompt(messages: [ChatMessage]) -> [Int] {
        model.encodePrompt(model.chatTemplate.render(messages))
    }

    /// Prompt tokens for raw text (BOS as the file asks).
    public func prompt(text: String) -> [Int] {
        model.encodePrompt(text)
    }

    /// Starts generating: checks the prompt fits the context and the line is
    /// not full, so both fail before a response starts. Stopping iteration
    /// (or cancelling the consuming task) frees the slot.
    public func generate(prompt: [Int], parameters: SamplingParameters, name: String) throws -> AsyncThrowingStream<GenerationEvent, Error> {
        guard prompt.count < contextLength else { throw PretrainedError.promptTooLong(tokens: prompt.count, contextLength: contextLength) }
        let load = scheduler.load
        if load.active + load.waiting >= slots + maxWaiting { throw PretrainedError.queueFull(model: name, waiting: load.waiting) }
        return scheduler.generate(prompt: prompt, parameters: parameters)
    }

    func shutdown() { scheduler.shutdown() }
}

/// A sentence-embedding model being served: its queue batches concurrent requests.
public final class LoadedEmbeddingModel: @unchecked Sendable {
    public let service: EmbeddingService
    /// The model folder, standardized.
    public let path: String
    private let lock = NSLock()
    private var running = 0

    init(model: BertModel, path: String) {
        service = EmbeddingService(model: model)
        self.path = path
    }

    public var dimension: Int { service.dimension }
    /// Texts per request the routes accept.
    public static let maxInputs = 2048

    /// Requests being embedded now.
    var inFlight: Int { lock.withLock { running } }

    /// What one vector is made from: a text, or token ids of the model's vocabulary.
    public enum Input: Sendable, Equatable {
        case text(String)
        /// Framed with [CLS] … [SEP] unless already (`BertModel.sequence(ids:)`).
        case tokens([Int])
    }

    /// Vectors in input order and the tokens the model read.
    public func embed(_ texts: [String]) async throws -> (vectors: [[Float]], tokens: Int) {
        try await embed(texts.map(Input.text))
    }

    /// Vectors in input order and the tokens the model read; an id outside
    /// the vocabulary throws `LargeModelError.tokenOutOfRange` before any work.
    public func embed(_ inputs: [Input]) async throws -> (vectors: [[Float]], tokens: Int) {
        let model = service.model
        let sequences = try inputs.map { input in
            switch input {
            case .text(let text): model.tokenize(text)
            case .tokens(let ids): try model.sequence(ids: ids)
            }
        }
        lock.withLock { running += 1 }
        defer { lock.withLock { running -= 1 } }
        return (try await service.embed(sequences: sequences), sequences.reduce(0) { $0 + $1.count })
    }

    func shutdown() { service.shutdown() }
}
