// BERT encoder for sentence embeddings (sentence-transformers'
// all-MiniLM-L6-v2 layout): safetensors weights, `config.json`
// hyperparameters, `tokenizer.json` WordPiece, and the pooling that
// `modules.json` / `1_Pooling/config.json` name (mean or CLS, then L2
// normalisation when a Normalize module is listed).
//
// Per layer (post-LayerNorm, as BERT):
//   x = LayerNorm(x + Attention(x) · Wo + bo);  x = LayerNorm(x + GELU(x · Wi + bi) · Wd + bd)
// A batch is packed without padding: linear layers run on all tokens of all
// sentences at once (one GEMM per weight), attention runs per sentence over
// its own tokens only — the same result as padding plus an attention mask,
// without computing on pad positions.

import Foundation
import ModelFormats
import Tensor
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

    struct Layer {
        /// (3·hidden, hidden) query, key, value rows stacked; bias (3·hidden)
        var qkv: [Float], qkvBias: [Float]
        /// (hidden, hidden), (hidden)
        var attentionOut: [Float], attentionOutBias: [Float]
        var attentionNormWeight: [Float], attentionNormBias: [Float]
        /// (intermediate, hidden), (intermediate)
        var intermediate: [Float], intermediateBias: [Float]
        /// (hidden, intermediate), (hidden)
        var output: [Float], outputBias: [Float]
        var outputNormWeight: [Float], outputNormBias: [Float]
    }

    public let config: Config
    public let tokenizer: WordPieceTokenizer
    /// (vocab, hidden), (positions, hidden), (types, hidden)
    let wordEmbeddings: [Float], positionEmbeddings: [Float], tokenTypeEmbeddings: [Float]
    let embeddingNormWeight: [Float], embeddingNormBias: [Float]
    let layers: [Layer]

    public var dimension: Int { config.hiddenSize }

    /// Loads a sentence-transformers model folder (config.json, model.safetensors, tokenizer.json,
    /// modules.json, 1_Pooling/config.json, sentence_bert_config.json).
    public init(directory: String) throws {
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
        let inter = config.intermediateSize
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [tokenizer.vocabularySize, hidden])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [config.maxPositions, hidden])
        tokenTypeEmbeddings = try file.floats(prefix + "embeddings.token_type_embeddings.weight")
        embeddingNormWeight = try tensor("embeddings.LayerNorm.weight", [hidden])
        embeddingNormBias = try tensor("embeddings.LayerNorm.bias", [hidden])
        layers = try (0..<config.layerCount).map { l in
            let p = "encoder.layer.\(l)."
            return Layer(
                qkv: try tensor(p + "attention.self.query.weight", [hidden, hidden])
                    + tensor(p + "attention.self.key.weight", [hidden, hidden])
                    + tensor(p + "attention.self.value.weight", [hidden, hidden]),
                qkvBias: try tensor(p + "attention.self.query.bias", [hidden])
                    + tensor(p + "attention.self.key.bias", [hidden]) + tensor(p + "attention.self.value.bias", [hidden]),
                attentionOut: try tensor(p + "attention.output.dense.weight", [hidden, hidden]),
                attentionOutBias: try tensor(p + "attention.output.dense.bias", [hidden]),
                attentionNormWeight: try tensor(p + "attention.output.LayerNorm.weight", [hidden]),
                attentionNormBias: try tensor(p + "attention.output.LayerNorm.bias", [hidden]),
                intermediate: try tensor(p + "intermediate.dense.weight", [inter, hidden]),
                intermediateBias: try tensor(p + "intermediate.dense.bias", [inter]),
                output: try tensor(p + "output.dense.weight", [hidden, inter]),
                outputBias: try tensor(p + "output.dense.bias", [hidden]),
                outputNormWeight: try tensor(p + "output.LayerNorm.weight", [hidden]),
                outputNormBias: try tensor(p + "output.LayerNorm.bias", [hidden]))
        }
    }

    /// Token ids of a text as the model sees it ([CLS] … [SEP], truncated to max_seq_length).
    public func tokenize(_ text: String) -> [Int] { tokenizer.encode(text, maxLength: config.maxSequenceLength) }

    /// Sentence embeddings (dimension each), pooled and normalised as the model folder says.
    public func embed(_ texts: [String]) -> [[Float]] {
        embed(tokenized: texts.map(tokenize))
    }

    public func embed(tokenized sequences: [[Int]]) -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        let h = config.hiddenSize, inter = config.intermediateSize
        let lengths = sequences.map(\.count)
        let starts = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let total = starts.last!
        /// (total, hidden) packed hidden states of every token of every sentence
        var x = [Float](repeating: 0, count: total * h)
        var tmp = [Float](repeating: 0, count: total * h)
        /// (total, 3·hidden)
        var qkv = [Float](repeating: 0, count: total * 3 * h)
        /// (total, intermediate)
        var mid = [Float](repeating: 0, count: total * inter)

        // Embeddings: word + position + token type 0, then LayerNorm.
        for (s, ids) in sequences.enumerated() {
            for (p, id) in ids.enumerated() {
                let row = (starts[s] + p) * h
                for i in 0..<h {
                    x[row + i] = wordEmbeddings[id * h + i] + positionEmbeddings[p * h + i] + tokenTypeEmbeddings[i]
                }
            }
        }
        layerNorm(&x, rows: total, weight: embeddingNormWeight, bias: embeddingNormBias)

        for layer in layers {
            // Self-attention: fused Q/K/V projection, per-sentence attention, output projection.
            linear(x, rows: total, inFeatures: h, weight: layer.qkv, bias: layer.qkvBias, outFeatures: 3 * h, into: &qkv)
            attention(qkv, starts: starts, lengths: lengths, into: &tmp)
            linear(tmp, rows: total, inFeatures: h, weight: layer.attentionOut, bias: layer.attentionOutBias, outFeatures: h, into: &mid)
            for i in 0..<(total * h) { x[i] += mid[i] }
            layerNorm(&x, rows: total, weight: layer.attentionNormWeight, bias: layer.attentionNormBias)
            // Feed-forward: GELU (erf form, as BERT's "gelu"), projection back, residual, LayerNorm.
            linear(x, rows: total, inFeatures: h, weight: layer.intermediate, bias: layer.intermediateBias, outFeatures: inter, into: &mid)
            for i in 0..<(total * inter) { mid[i] = 0.5 * mid[i] * (1 + erff(mid[i] * 0.70710678118654752)) }
            linear(mid, rows: total, inFeatures: inter, weight: layer.output, bias: layer.outputBias, outFeatures: h, into: &tmp)
            for i in 0..<(total * h) { x[i] += tmp[i] }
            layerNorm(&x, rows: total, weight: layer.outputNormWeight, bias: layer.outputNormBias)
        }

        // Pooling (mean over the sentence's tokens, or [CLS]) and L2 normalisation.
        return (0..<sequences.count).map { s in
            var v = [Float](repeating: 0, count: h)
            if config.meanPooling {
                for p in 0..<lengths[s] { for i in 0..<h { v[i] += x[(starts[s] + p) * h + i] } }
                let inv = 1 / Float(lengths[s])
                for i in 0..<h { v[i] *= inv }
            } else {
                for i in 0..<h { v[i] = x[starts[s] * h + i] }
            }
            if config.normalize {
                let norm = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                for i in 0..<h { v[i] /= norm }
            }
            return v
        }
    }

    /// out (rows, outFeatures) = x (rows, inFeatures) · Wᵀ + b, W stored (outFeatures, inFeatures).
    private func linear(_ x: [Float], rows: Int, inFeatures: Int, weight: [Float], bias: [Float], outFeatures: Int, into out: inout [Float]) {
        x.withUnsafeBufferPointer { a in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                              a: a.baseAddress!, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures,
                              c: c.baseAddress!, ldc: outFeatures)
                    for r in 0..<rows { for j in 0..<outFeatures { c[r * outFeatures + j] += bias[j] } }
                }
            }
        }
    }

    private func layerNorm(_ x: inout [Float], rows: Int, weight: [Float], bias: [Float]) {
        let h = weight.count
        let eps = config.layerNormEps
        x.withUnsafeMutableBufferPointer { buf in
            for r in 0..<rows {
                let row = buf.baseAddress! + r * h
                var mean: Float = 0
                for i in 0..<h { mean += row[i] }
                mean /= Float(h)
                var variance: Float = 0
                for i in 0..<h { let d = row[i] - mean; variance += d * d }
                variance /= Float(h)
                let inv = 1 / (variance + eps).squareRoot()
                for i in 0..<h { row[i] = (row[i] - mean) * inv * weight[i] + bias[i] }
            }
        }
    }

    /// Softmax(QKᵀ/√d)V per sentence and head; qkv rows hold [q | k | v].
    private func attention(_ qkv: [Float], starts: [Int], lengths: [Int], into out: inout [Float]) {
        let h = config.hiddenSize, heads = config.headCount, d = h / heads
        let scale = 1 / Float(d).squareRoot()
        let pairs = lengths.indices.flatMap { s in (0..<heads).map { (s, $0) } }
        qkv.withUnsafeBufferPointer { qkvBuffer in
            out.withUnsafeMutableBufferPointer { outBuffer in
                let source = qkvBuffer.baseAddress!, destination = outBuffer.baseAddress!
                Parallel.forEach(pairs.count) { index in
                    let (s, head) = pairs[index]
                    let n = lengths[s], base = starts[s]
                    var scores = [Float](repeating: 0, count: n)
                    for i in 0..<n {
                        let q = source + (base + i) * 3 * h + head * d
                        var maximum = -Float.infinity
                        for j in 0..<n {
                            let k = source + (base + j) * 3 * h + h + head * d
                            var dot: Float = 0
                            for t in 0..<d { dot += q[t] * k[t] }
                            scores[j] = dot * scale
                            maximum = max(maximum, scores[j])
                        }
                        var sum: Float = 0
                        for j in 0..<n { scores[j] = expf(scores[j] - maximum); sum += scores[j] }
                        let inv = 1 / sum
                        let o = destination + (base + i) * h + head * d
                        for t in 0..<d { o[t] = 0 }
                        for j in 0..<n {
                            let v = source + (base + j) * 3 * h + 2 * h + head * d
                            let p = scores[j] * inv
                            for t in 0..<d { o[t] += p * v[t] }
                        }
                    }
                }
            }
        }
    }
}
