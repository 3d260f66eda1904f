// Llama-architecture decoder (llama.cpp `models/llama.cpp`, llama2.c) on GGUF
// weights: token embedding → layers of [RMSNorm → Q/K/V → RoPE (adjacent
// pairs, ggml "normal" mode, the file's base) → grouped-query attention over
// the KV cache → output projection → residual → RMSNorm → SwiGLU FFN →
// residual] → RMSNorm → output head (tied to the embedding when the file has
// no `output.weight`).
//
// One forward pass takes a batch of (token, slot, position) entries, so one
// call can hold a prompt chunk of one sequence and the next token of several
// others: every weight matrix is read once per batch (continuous batching).

import CKernels
import Foundation
import ModelFormats
import TextKit

public final class LlamaModel: @unchecked Sendable {
    /// Tensor names, llama.cpp's `LLM_TENSOR_NAMES` for the llama architecture.
    enum TensorName {
        static let tokenEmbedding = "token_embd.weight"
        static let outputNorm = "output_norm.weight"
        static let output = "output.weight"
        static func block(_ layer: Int, _ part: String) -> String { "blk.\(layer).\(part).weight" }
    }

    struct Layer {
        /// (dim)
        var attentionNorm: [Float]
        /// (dim, dim), (kvDim, dim), (kvDim, dim), (dim, dim) as (rows, cols)
        var wq, wk, wv, wo: QuantizedMatrix
        /// (dim)
        var ffnNorm: [Float]
        /// (hidden, dim), (hidden, dim), (dim, hidden)
        var gate, up, down: QuantizedMatrix
    }

    public let file: GGUFFile
    public let hyperparameters: LlamaHyperparameters
    public let tokenizer: BPETokenizer
    public let chatTemplate: ChatTemplate
    /// Token ids that end generation (eos, and the template's end-of-turn tokens).
    public let endOfGenerationIDs: Set<Int>
    /// (vocab, dim)
    let tokenEmbedding: QuantizedMatrix
    let layers: [Layer]
    /// (dim)
    let outputNorm: [Float]
    /// (vocab, dim); the embedding itself when tied.
    let output: QuantizedMatrix

    public convenience init(path: String) throws {
        try self.init(file: GGUFFile(path: path))
    }

    public init(file: GGUFFile) throws {
        self.file = file
        let h = try LlamaHyperparameters.load(from: file)
        hyperparameters = h
        tokenizer = try Self.loadTokenizer(file)
        chatTemplate = try ChatTemplate(ggufTemplate: file.metadata["tokenizer.chat_template"]?.stringValue)
        var eog: Set<Int> = []
        if let eos = tokenizer.eosID { eog.insert(eos) }
        for token in chatTemplate.endOfTurnTokens { if let id = tokenizer.id(forToken: token) { eog.insert(id) } }
        endOfGenerationIDs = eog

        func matrix(_ name: String, rows: Int, cols: Int) throws -> QuantizedMatrix {
            let t = try file.requireTensor(name)
            guard t.dims == [cols, rows] else { throw LargeModelError.tensorShape(tensor: name, expected: [cols, rows], found: t.dims) }
            return try QuantizedMatrix(file: file, tensor: t)
        }
        func vector(_ name: String, _ count: Int) throws -> [Float] {
            let t = try file.requireTensor(name)
            guard t.dims == [count] else { throw LargeModelError.tensorShape(tensor: name, expected: [count], found: t.dims) }
            return try Dequantize.row(t.type, file.data(t).baseAddress!, count: count)
        }
        tokenEmbedding = try matrix(TensorName.tokenEmbedding, rows: h.vocabularySize, cols: h.dim)
        layers = try (0..<h.layerCount).map { l in
            Layer(attentionNorm: try vector(TensorName.block(l, "attn_norm"), h.dim),
                  wq: try matrix(TensorName.block(l, "attn_q"), rows: h.dim, cols: h.dim),
                  wk: try matrix(TensorName.block(l, "attn_k"), rows: h.kvDim, cols: h.dim),
                  wv: try matrix(TensorName.block(l, "attn_v"), rows: h.kvDim, cols: h.dim),
                  wo: try matrix(TensorName.block(l, "attn_output"), rows: h.dim, cols: h.dim),
                  ffnNorm: try vector(TensorName.block(l, "ffn_norm"), h.dim),
                  gate: try matrix(TensorName.block(l, "ffn_gate"), rows: h.hiddenDim, cols: h.dim),
                  up: try matrix(TensorName.block(l, "ffn_up"), rows: h.hiddenDim, cols: h.dim),
                  down: try matrix(TensorName.block(l, "ffn_down"), rows: h.dim, cols: h.hiddenDim))
        }
        outputNorm = try vector(TensorName.outputNorm, h.dim)
        output = file.tensor(TensorName.output) != nil
            ? try matrix(TensorName.output, rows: h.vocabularySize, cols: h.dim) : tokenEmbedding
    }

    static func loadTokenizer(_ file: GGUFFile) throws -> BPETokenizer {
        let model = try file.string("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw LargeModelError.invalidHyperparameter(key: "tokenizer.ggml.model", value: model, expected: "gpt2 (byte-level BPE)")
        }
        let pre = try PreTokenizer(ggufName: file.metadata["tokenizer.ggml.pre"]?.stringValue ?? "gpt2")
        let types = try file.metadata["tokenizer.ggml.token_type"] != nil ? file.ints("tokenizer.ggml.token_type").map { Int32($0) } : nil
        return try BPETokenizer(tokens: file.strings("tokenizer.ggml.tokens"), merges: file.strings("tokenizer.ggml.merges"),
                                tokenTypes: types, bos: file.metadata["tokenizer.ggml.bos_token_id"]?.intValue,
                                eos: file.metadata["tokenizer.ggml.eos_token_id"]?.intValue, preTokenizer: pre)
    }

    /// Whether a BOS token is prepended to prompts (`tokenizer.ggml.add_bos_token`, default true as llama.cpp).
    public var addsBOS: Bool { file.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? true }

    /// Prompt text → token ids (BOS first when the file asks for it; special tokens parsed).
    public func encodePrompt(_ text: String) -> [Int] {
        var ids = tokenizer.encode(text, parseSpecial: true)
        if addsBOS, let bos = tokenizer.bosID, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    public func makeCache(slots: Int, contextLength: Int? = nil) -> KVCache {
        KVCache(slots: slots, layers: hyperparameters.layerCount,
                contextLength: min(contextLength ?? hyperparameters.contextLength, hyperparameters.contextLength),
                kvDim: hyperparameters.kvDim)
    }

    public func makeState() -> LlamaState { LlamaState(hyperparameters) }

    /// One entry of a forward batch.
    public struct BatchEntry: Sendable {
        public var token: Int
        public var slot: Int
        /// Position in the slot's sequence; positions before it must be in the cache.
        public var position: Int
        public var wantsLogits: Bool
        public init(token: Int, slot: Int, position: Int, wantsLogits: Bool) {
            self.token = token
            self.slot = slot
            self.position = position
            self.wantsLogits = wantsLogits
        }
    }

    /// Runs the batch, writing K/V of every entry to `cache`; returns the logits (vocab each)
    /// of the entries with `wantsLogits`, in batch order, in `state.logits`.
    /// `decodingSums` applies when every entry is the one token of its sequence (several
    /// sequences decoding together); prompt chunks always use llama.cpp's sums.
    public func forward(_ batch: [BatchEntry], cache: KVCache, state: LlamaState, decodingSums: QuantizedSums = .llamaCpp) {
        let h = hyperparameters
        let n = batch.count
        precondition(n > 0)
        for e in batch { precondition(e.position < cache.contextLength && e.slot < cache.slotCount) }
        state.reserve(batch: n)
        let dim = h.dim, kvDim = h.kvDim, hidden = h.hiddenDim, headDim = h.headDim
        let x = state.x, xb = state.xb, q = state.q, k = state.k, v = state.v
        let attention = state.attention, hb = state.hb, hb2 = state.hb2, scratch = state.scratch

        // Token embeddings.
        for (b, e) in batch.enumerated() {
            let row = tokenEmbedding.row(e.token)
            row.withUnsafeBufferPointer { (x + b * dim).update(from: $0.baseAddress!, count: dim) }
        }
        // RoPE angles per entry: (batch, ropeDims/2) cos and sin.
        state.prepareRope(positions: batch.map(\.position), base: h.ropeFreqBase, dims: h.ropeDimensionCount)
        let scale = 1 / Float(headDim).squareRoot()
        // A sequence with several tokens in this pass (a prompt chunk) attends in
        // llama.cpp's batched summation order, a single token in its decoding order.
        var tokensPerSlot: [Int: Int] = [:]
        for e in batch { tokensPerSlot[e.slot, default: 0] += 1 }
        let batched = batch.map { Int32(tokensPerSlot[$0.slot]! > 1 ? 1 : 0) }
        let sums: QuantizedSums = tokensPerSlot.values.allSatisfy { $0 == 1 } ? decodingSums : .llamaCpp

        for (l, layer) in layers.enumerated() {
            // Attention: norm, projections, RoPE, cache, attention, output projection, residual.
            rmsNorm(x, layer.attentionNorm, into: xb, rows: n, eps: h.rmsEpsilon)
            QuantizedMatrix.multiply([(layer.wq, q, dim), (layer.wk, k, kvDim), (layer.wv, v, kvDim)], xb,
                                     batch: n, scratch: scratch, sums: sums)
            for b in 0..<n {
                state.applyRope(q + b * dim, heads: h.headCount, entry: b)
                state.applyRope(k + b * kvDim, heads: h.kvHeadCount, entry: b)
                cache.store(slot: batch[b].slot, layer: l, position: batch[b].position, key: k + b * kvDim, value: v + b * kvDim)
            }
            var queries = (0..<n).map { b -> ork_attention_query in
                let base = cache.offset(slot: batch[b].slot, layer: l, position: 0)
                return ork_attention_query(q: q + b * dim, k: cache.keys + base, v: cache.values + base,
                                           len: batch[b].position + 1, out: attention + b * dim, batched: batched[b])
            }
            ork_attention_f16(&queries, n, kvDim, h.headCount, h.kvHeadCount, headDim, scale)
            layer.wo.multiply(attention, batch: n, into: xb, outStride: dim, scratch: scratch, sums: sums)
            for i in 0..<(n * dim) { x[i] += xb[i] }

            // Feed-forward: norm, SwiGLU, down projection, residual.
            rmsNorm(x, layer.ffnNorm, into: xb, rows: n, eps: h.rmsEpsilon)
            QuantizedMatrix.multiply([(layer.gate, hb, hidden), (layer.up, hb2, hidden)], xb, batch: n, scratch: scratch,
                                     sums: sums)
            ork_swiglu_f32(hb, hb2, hb, n, hidden)
            layer.down.multiply(hb, batch: n, into: xb, outStride: dim, scratch: scratch, sums: sums)
            for i in 0..<(n * dim) { x[i] += xb[i] }
        }

        // Final norm and output head, only for the entries that need logits.
        let wanted = batch.indices.filter { batch[$0].wantsLogits }
        state.logitRows = wanted.count
        guard !wanted.isEmpty else { return }
        state.reserveLogits(rows: wanted.count, vocab: h.vocabularySize)
        for (row, b) in wanted.enumerated() { (xb + row * dim).update(from: x + b * dim, count: dim) }
        rmsNorm(xb, outputNorm, into: xb, rows: wanted.count, eps: h.rmsEpsilon)
        output.multiply(xb, batch: wanted.count, into: state.logits, outStride: h.vocabularySize, scratch: scratch, sums: sums)
    }

    /// y = x / sqrt(mean(x²) + eps) · weight per row (sum of squares in Double, as ggml).
    func rmsNorm(_ x: UnsafePointer<Float>, _ weight: [Float], into y: UnsafeMutablePointer<Float>, rows: Int, eps: Float) {
        let dim = weight.count
        for r in 0..<rows {
            let xr = x + r * dim, yr = y + r * dim
            var sum: Double = 0
            for i in 0..<dim { sum += Double(xr[i] * xr[i]) }
            let mean = Float(sum / Double(dim))
            let scale = 1 / (mean + eps).squareRoot()
            for i in 0..<dim { yr[i] = xr[i] * scale * weight[i] }
        }
    }
}

/// Scratch buffers of a forward pass, sized for the largest batch seen.
public final class LlamaState: @unchecked Sendable {
    let h: LlamaHyperparameters
    private(set) var capacity = 0
    /// (batch, dim) residual stream, normalised input, queries, attention output
    var x, xb, q, attention: UnsafeMutablePointer<Float>
    /// (batch, kvDim)
    var k, v: UnsafeMutablePointer<Float>
    /// (batch, hidden)
    var hb, hb2: UnsafeMutablePointer<Float>
    /// Quantized activations of the widest input (QuantizedMatrix.scratchBytes)
    var scratch: UnsafeMutableRawPointer
    /// (batch, ropeDims/2) cos, sin
    var ropeCos: [Float] = [], ropeSin: [Float] = []
    /// (logitRows, vocab)
    public private(set) var logits: UnsafeMutablePointer<Float>
    public internal(set) var logitRows = 0
    private var logitCapacity = 0

    init(_ h: LlamaHyperparameters) {
        self.h = h
        x = .allocate(capacity: 1); xb = .allocate(capacity: 1); q = .allocate(capacity: 1); attention = .allocate(capacity: 1)
        k = .allocate(capacity: 1); v = .allocate(capacity: 1); hb = .allocate(capacity: 1); hb2 = .allocate(capacity: 1)
        scratch = .allocate(byteCount: 1, alignment: 64)
        logits = .allocate(capacity: 1)
    }

    deinit {
        for p in [x, xb, q, attention, k, v, hb, hb2, logits] { p.deallocate() }
        scratch.deallocate()
    }

    func reserve(batch: Int) {
        guard batch > capacity else { return }
        for p in [x, xb, q, attention, k, v, hb, hb2] { p.deallocate() }
        scratch.deallocate()
        let c = max(batch, capacity * 2)
        x = .allocate(capacity: c * h.dim); xb = .allocate(capacity: c * h.dim)
        q = .allocate(capacity: c * h.dim); attention = .allocate(capacity: c * h.dim)
        k = .allocate(capacity: c * h.kvDim); v = .allocate(capacity: c * h.kvDim)
        hb = .allocate(capacity: c * h.hiddenDim); hb2 = .allocate(capacity: c * h.hiddenDim)
        scratch = .allocate(byteCount: QuantizedMatrix.scratchBytes(cols: max(h.hiddenDim, h.dim), batch: c), alignment: 64)
        capacity = c
    }

    func reserveLogits(rows: Int, vocab: Int) {
        guard rows > logitCapacity else { return }
        logits.deallocate()
        logits = .allocate(capacity: rows * vocab)
        logitCapacity = rows
    }

    /// Logits of the i-th entry that asked for them.
    public func logits(row: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: logits + row * h.vocabularySize, count: h.vocabularySize)
    }

    /// ggml rope cache: theta_i = pos · base^(−2i/dims), computed by repeated multiplication as ggml does.
    func prepareRope(positions: [Int], base: Float, dims: Int) {
        let half = dims / 2
        ropeCos = [Float](repeating: 0, count: positions.count * half)
        ropeSin = ropeCos
        let thetaScale = powf(base, -2 / Float(dims))
        for (b, p) in positions.enumerated() {
            var theta = Float(p)
            for i in 0..<half {
                ropeCos[b * half + i] = cosf(theta)
                ropeSin[b * half + i] = sinf(theta)
                theta *= thetaScale
            }
        }
    }

    /// Rotates adjacent pairs (2i, 2i+1) of the first ropeDims of each head (ggml "normal" mode, CKernels `ork_rope_f32`).
    func applyRope(_ v: UnsafeMutablePointer<Float>, heads: Int, entry: Int) {
        let half = h.ropeDimensionCount / 2
        ropeCos.withUnsafeBufferPointer { cosines in
            ropeSin.withUnsafeBufferPointer { sines in
                ork_rope_f32(v, heads, h.headDim, h.ropeDimensionCount, cosines.baseAddress! + entry * half,
                             sines.baseAddress! + entry * half)
            }
        }
    }
}
