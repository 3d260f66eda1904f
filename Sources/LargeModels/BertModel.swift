// BERT encoder for sentence embeddings (sentence-transformers'
// all-MiniLM-L6-v2 layout): safetensors weights, `config.json`
// hyperparameters, `tokenizer.json` WordPiece, and the pooling that
// `modules.json` / `1_Pooling/config.json` name (mean or CLS, then L2
// normalisation when a Normalize module is listed).
//
// This file loads the model; the forward pass is in BertModel+Encode.swift.
// Dense-layer weights are packed once here into the panel layout of
// CKernels' `ork_linear` (ckernels_encoder.h).

import CKernels
import Foundation
import ModelFormats
import TextKit

public final class BertModel: @unchecked Sendable {
    public struct Config: Sendable {
        public var hiddenSize: Int
        public var layerCount: Int
        public var headCount: Int
        public var intermediateSize: Int
        public var maxPositions: Int
        public var layerNormEps: Float
        /// sentence-transformers' max_seq_length (tokens incl. [CLS]/[SEP]).
        public var maxSequenceLength: Int
        public var meanPooling: Bool
        public var normalize: Bool
    }

    /// Arithmetic of the dense layers (the encoder's products; LayerNorm,
    /// attention and pooling are float32 either way).
    public enum Precision: String, Sendable, CaseIterable {
        /// float32 weights and products, as PyTorch.
        case float32
        /// Weights and layer inputs rounded to bfloat16, products summed in
        /// float32 (AVX512_BF16): twice the float32 speed, half the weight
        /// memory; embeddings keep a cosine above 0.9999 to float32's.
        case bfloat16

        /// bfloat16 where this CPU multiplies it natively, float32 elsewhere.
        public static var fastest: Precision { ork_has_native_bf16() != 0 ? .bfloat16 : .float32 }
    }

    /// A Linear weight, PyTorch's (out, in), packed for ork_linear or ork_linear_bf16.
    enum PackedWeight {
        case float32([Float])
        case bfloat16([UInt16])
    }

    /// One encoder layer. The bias and LayerNorm vectors are as stored.
    struct Layer {
        /// (3·hidden, hidden): query, key and value rows stacked; bias (3·hidden)
        var qkv: PackedWeight, qkvBias: [Float]
        /// (hidden, hidden), (hidden)
        var attentionOut: PackedWeight, attentionOutBias: [Float]
        var attentionNormWeight: [Float], attentionNormBias: [Float]
        /// (intermediate, hidden), (intermediate)
        var intermediate: PackedWeight, intermediateBias: [Float]
        /// (hidden, intermediate), (hidden)
        var output: PackedWeight, outputBias: [Float]
        var outputNormWeight: [Float], outputNormBias: [Float]
    }

    public let config: Config
    public let tokenizer: WordPieceTokenizer
    /// The dense layers' arithmetic in use (float32 when bfloat16 was asked
    /// for on a CPU without native bfloat16).
    public let precision: Precision
    /// (vocab, hidden), (positions, hidden), (types, hidden)
    let wordEmbeddings: [Float], positionEmbeddings: [Float], tokenTypeEmbeddings: [Float]
    let embeddingNormWeight: [Float], embeddingNormBias: [Float]
    let layers: [Layer]

    public var dimension: Int { config.hiddenSize }

    /// Loads a sentence-transformers model folder (config.json, model.safetensors, tokenizer.json,
    /// modules.json, 1_Pooling/config.json, sentence_bert_config.json).
    /// `precision` defaults to the fastest this CPU has (`Precision.fastest`).
    public init(directory: String, precision: Precision = .fastest) throws {
        let precision: Precision = precision == .bfloat16 && ork_has_native_bf16() == 0 ? .float32 : precision
        self.precision = precision
        let dir = URL(fileURLWithPath: directory)
        func json(_ name: String) throws -> [String: Any]? {
            let url = dir.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw LargeModelError.invalidConfiguration(file: url.path, problem: "not a JSON object")
            }
            return object
        }
        guard let c = try json("config.json") else {
            throw LargeModelError.invalidConfiguration(file: dir.appendingPathComponent("config.json").path, problem: "missing")
        }
        func int(_ key: String) throws -> Int {
            guard let v = c[key] as? Int else {
                throw LargeModelError.invalidConfiguration(file: "config.json", problem: "'\(key)' missing or not an integer")
            }
            return v
        }
        if let act = c["hidden_act"] as? String, act != "gelu" {
            throw LargeModelError.invalidConfiguration(file: "config.json", problem: "hidden_act '\(act)' is not supported; expected gelu")
        }
        var pooling = true
        if let p = try json("1_Pooling/config.json") {
            if p["pooling_mode_cls_token"] as? Bool == true { pooling = false }
            if p["pooling_mode_max_tokens"] as? Bool == true || p["pooling_mode_mean_sqrt_len_tokens"] as? Bool == true {
                throw LargeModelError.invalidConfiguration(file: "1_Pooling/config.json", problem: "only mean and CLS pooling are supported")
            }
        }
        var normalize = false
        let modulesURL = dir.appendingPathComponent("modules.json")
        if let data = try? Data(contentsOf: modulesURL),
           let modules = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] {
            normalize = modules.contains { ($0["type"] as? String)?.hasSuffix("Normalize") == true }
        }
        let maxSeq = (try json("sentence_bert_config.json"))?["max_seq_length"] as? Int ?? 512
        let hidden = try int("hidden_size")
        config = Config(hiddenSize: hidden, layerCount: try int("num_hidden_layers"), headCount: try int("num_attention_heads"),
                        intermediateSize: try int("intermediate_size"), maxPositions: try int("max_position_embeddings"),
                        layerNormEps: Float(c["layer_norm_eps"] as? Double ?? 1e-12),
                        maxSequenceLength: min(maxSeq, try int("max_position_embeddings")),
                        meanPooling: pooling, normalize: normalize)
        guard hidden % config.headCount == 0 else {
            throw LargeModelError.invalidConfiguration(file: "config.json", problem: "hidden_size \(hidden) is not divisible by num_attention_heads \(config.headCount)")
        }
        tokenizer = try WordPieceTokenizer(tokenizerJSON: Data(contentsOf: dir.appendingPathComponent("tokenizer.json")))

        let file = try SafetensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
        // Some exports prefix every name with "bert.".
        let prefix = file.tensorNames.contains("bert.embeddings.word_embeddings.weight") ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            let info = try file.info(prefix + name)
            guard info.shape == shape else { throw LargeModelError.tensorShape(tensor: prefix + name, expected: shape, found: info.shape) }
            return try file.floats(prefix + name)
        }
        /// A Linear weight stored (out, in), packed for the precision in use.
        func packed(_ rows: [Float], out: Int, in inFeatures: Int) -> PackedWeight {
            switch precision {
            case .float32:
                return .float32([Float](unsafeUninitializedCapacity: ork_packed_weight_count(out, inFeatures)) { buffer, count in
                    ork_pack_weight(rows, out, inFeatures, buffer.baseAddress!)
                    count = buffer.count
                })
            case .bfloat16:
                return .bfloat16([UInt16](unsafeUninitializedCapacity: ork_packed_weight_bf16_count(out, inFeatures)) { buffer, count in
                    ork_pack_weight_bf16(rows, out, inFeatures, buffer.baseAddress!)
                    count = buffer.count
                })
            }
        }
        let inter = config.intermediateSize
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [tokenizer.vocabularySize, hidden])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [config.maxPositions, hidden])
        let typeShape = try file.info(prefix + "embeddings.token_type_embeddings.weight").shape
        guard typeShape.count == 2, typeShape[0] >= 1, typeShape[1] == hidden else {
            throw LargeModelError.tensorShape(tensor: prefix + "embeddings.token_type_embeddings.weight",
                                              expected: [2, hidden], found: typeShape)
        }
        tokenTypeEmbeddings = try file.floats(prefix + "embeddings.token_type_embeddings.weight")
        embeddingNormWeight = try tensor("embeddings.LayerNorm.weight", [hidden])
        embeddingNormBias = try tensor("embeddings.LayerNorm.bias", [hidden])
        layers = try (0..<config.layerCount).map { l in
            let p = "encoder.layer.\(l)."
            return Layer(
                qkv: packed(try tensor(p + "attention.self.query.weight", [hidden, hidden])
                    + tensor(p + "attention.self.key.weight", [hidden, hidden])
                    + tensor(p + "attention.self.value.weight", [hidden, hidden]), out: 3 * hidden, in: hidden),
                qkvBias: try tensor(p + "attention.self.query.bias", [hidden])
                    + tensor(p + "attention.self.key.bias", [hidden]) + tensor(p + "attention.self.value.bias", [hidden]),
                attentionOut: packed(try tensor(p + "attention.output.dense.weight", [hidden, hidden]), out: hidden, in: hidden),
                attentionOutBias: try tensor(p + "attention.output.dense.bias", [hidden]),
                attentionNormWeight: try tensor(p + "attention.output.LayerNorm.weight", [hidden]),
                attentionNormBias: try tensor(p + "attention.output.LayerNorm.bias", [hidden]),
                intermediate: packed(try tensor(p + "intermediate.dense.weight", [inter, hidden]), out: inter, in: hidden),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [inter]),
                output: packed(try tensor(p + "output.dense.weight", [hidden, inter]), out: hidden, in: inter),
                outputBias: try tensor(p + "output.dense.bias", [hidden]),
                outputNormWeight: try tensor(p + "output.LayerNorm.weight", [hidden]),
                outputNormBias: try tensor(p + "output.LayerNorm.bias", [hidden]))
        }
    }

    /// Token ids of a text as the model sees it ([CLS] … [SEP], truncated to max_seq_length).
    public func tokenize(_ text: String) -> [Int] { tokenizer.encode(text, maxLength: config.maxSequenceLength) }

    /// Token ids a client sent, framed as `tokenize` frames a text: ids that
    /// already start with [CLS] and end with [SEP] are kept, others get them
    /// added; the ids between are truncated to max_seq_length in all. Ids
    /// outside the vocabulary are refused.
    public func sequence(ids: [Int]) throws -> [Int] {
        let vocabulary = tokenizer.vocabularySize
        if let bad = ids.first(where: { !(0..<vocabulary).contains($0) }) {
            throw LargeModelError.tokenOutOfRange(id: bad, vocabulary: vocabulary)
        }
        var inner = ids[...]
        if inner.count >= 2, inner.first == tokenizer.clsID, inner.last == tokenizer.sepID { inner = inner.dropFirst().dropLast() }
        return [tokenizer.clsID] + inner.prefix(max(0, config.maxSequenceLength - 2)) + [tokenizer.sepID]
    }
}
