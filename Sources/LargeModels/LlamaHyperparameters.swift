// Llama-architecture hyperparameters, read from a GGUF file's `<arch>.*` keys.

import ModelFormats

public struct LlamaHyperparameters: Sendable, Equatable {
    /// Model width (`embedding_length`).
    public var dim: Int
    public var layerCount: Int
    /// SwiGLU hidden width (`feed_forward_length`).
    public var hiddenDim: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int { dim / headCount }
    public var kvDim: Int { kvHeadCount * headDim }
    public var vocabularySize: Int
    public var contextLength: Int
    public var ropeFreqBase: Float
    /// Dimensions of each head that RoPE rotates (`rope.dimension_count`, default head size).
    public var ropeDimensionCount: Int
    public var rmsEpsilon: Float

    public static func load(from file: GGUFFile) throws -> LlamaHyperparameters {
        let arch = try file.string("general.architecture")
        guard arch == "llama" else { throw LargeModelError.unsupportedArchitecture(arch) }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if file.metadata["\(arch).\(key)"] == nil, let value { return value }
            guard file.metadata["\(arch).\(key)"] != nil else { throw LargeModelError.missingHyperparameter(key: "\(arch).\(key)") }
            return try file.int("\(arch).\(key)")
        }
        let dim = try int("embedding_length")
        let heads = try int("attention.head_count")
        let vocab = try file.metadata["\(arch).vocab_size"]?.intValue
            ?? file.strings("tokenizer.ggml.tokens").count
        var h = LlamaHyperparameters(
            dim: dim, layerCount: try int("block_count"), hiddenDim: try int("feed_forward_length"),
            headCount: heads, kvHeadCount: try int("attention.head_count_kv", default: heads),
            vocabularySize: vocab, contextLength: try int("context_length"),
            ropeFreqBase: 10000, ropeDimensionCount: dim / max(heads, 1), rmsEpsilon: 1e-5)
        if file.metadata["\(arch).rope.freq_base"] != nil { h.ropeFreqBase = Float(try file.double("\(arch).rope.freq_base")) }
        if file.metadata["\(arch).rope.dimension_count"] != nil { h.ropeDimensionCount = try int("rope.dimension_count") }
        if file.metadata["\(arch).attention.layer_norm_rms_epsilon"] != nil {
            h.rmsEpsilon = Float(try file.double("\(arch).attention.layer_norm_rms_epsilon"))
        }
        try h.validate()
        return h
    }

    func validate() throws {
        func check(_ ok: Bool, _ key: String, _ value: Int, _ expected: String) throws {
            if !ok { throw LargeModelError.invalidHyperparameter(key: "llama.\(key)", value: "\(value)", expected: expected) }
        }
        try check(headCount > 0 && dim % headCount == 0, "attention.head_count", headCount, "a positive divisor of embedding_length \(dim)")
        try check(kvHeadCount > 0 && headCount % kvHeadCount == 0, "attention.head_count_kv", kvHeadCount, "a positive divisor of head_count \(headCount)")
        try check(headDim <= 256 && headDim % 2 == 0, "embedding_length", dim, "a head size (dim / heads) that is even and ≤ 256")
        try check(ropeDimensionCount > 0 && ropeDimensionCount <= headDim && ropeDimensionCount % 2 == 0,
                  "rope.dimension_count", ropeDimensionCount, "an even count ≤ the head size \(headDim)")
        try check(layerCount > 0, "block_count", layerCount, "≥ 1")
        try check(dim % 32 == 0 && hiddenDim % 32 == 0, "embedding_length", dim, "widths that are multiples of 32")
    }
}
