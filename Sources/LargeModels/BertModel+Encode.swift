// The BERT forward pass over a packed batch, pooling and normalisation.
//
// Per layer (post-LayerNorm, as BERT):
//   x = LayerNorm(x + Attention(x)·Woᵀ + bo);  x = LayerNorm(x + GELU(x·Wiᵀ + bi)·Wdᵀ + bd)
// The batch is packed without padding: every token of every sentence is a row
// of one (tokens × hidden) matrix, so each dense layer is one large product on
// both cores (`ork_linear`, bias and GELU or the residual add fused into it),
// and attention runs per sentence over its own rows only — the result of
// padding plus an attention mask, without computing on pad positions.

import CKernels

extension BertModel {
    /// Tokens per forward pass: larger batches run in consecutive passes of
    /// about this many rows, which bounds the activations' memory (the FFN's
    /// (tokens × intermediate) matrix) without making the products small.
    static let tokensPerPass = 4096

    /// Sentence embeddings (dimension each), pooled and normalised as the model folder says.
    public func embed(_ texts: [String]) -> [[Float]] {
        embed(tokenized: texts.map(tokenize))
    }

    /// Embeddings of token-id sequences ([CLS] … [SEP], as `tokenize` makes them):
    /// ids below the vocabulary size, at most `config.maxPositions` tokens each.
    public func embed(tokenized sequences: [[Int]]) -> [[Float]] {
        precondition(sequences.allSatisfy { $0.count <= config.maxPositions && $0.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) } },
                     "token ids out of the vocabulary or a sequence longer than max_position_embeddings")
        var vectors: [[Float]] = []
        vectors.reserveCapacity(sequences.count)
        var begin = 0
        while begin < sequences.count {
            var end = begin + 1, tokens = sequences[begin].count
            while end < sequences.count, tokens + sequences[end].count <= Self.tokensPerPass {
                tokens += sequences[end].count
                end += 1
            }
            vectors += encode(Array(sequences[begin..<end]))
            begin = end
        }
        return vectors
    }

    /// One forward pass over a packed batch.
    private func encode(_ sequences: [[Int]]) -> [[Float]] {
        let h = config.hiddenSize, inter = config.intermediateSize
        let heads = config.headCount, headDim = h / heads
        let lengths = sequences.map(\.count)
        let starts = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let total = starts.last!
        guard total > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }

        // Activations: x (total, hidden) the residual stream; qkv (total, 3·hidden);
        // context (total, hidden) attention output; mid (total, intermediate).
        let x = UnsafeMutablePointer<Float>.allocate(capacity: total * h)
        let qkv = UnsafeMutablePointer<Float>.allocate(capacity: total * 3 * h)
        let context = UnsafeMutablePointer<Float>.allocate(capacity: total * h)
        let mid = UnsafeMutablePointer<Float>.allocate(capacity: total * inter)
        defer { x.deallocate(); qkv.deallocate(); context.deallocate(); mid.deallocate() }

        // Embeddings: word + position + token type 0, then LayerNorm.
        wordEmbeddings.withUnsafeBufferPointer { word in
            positionEmbeddings.withUnsafeBufferPointer { position in
                tokenTypeEmbeddings.withUnsafeBufferPointer { type in
                    for (s, ids) in sequences.enumerated() {
                        for (p, id) in ids.enumerated() {
                            let row = x + (starts[s] + p) * h
                            let w = word.baseAddress! + id * h, pos = position.baseAddress! + p * h
                            for i in 0..<h { row[i] = w[i] + pos[i] + type[i] }
                        }
                    }
                }
            }
        }
        layerNorm(x, rows: total, embeddingNormWeight, embeddingNormBias)

        let scale = 1 / Float(headDim).squareRoot()
        let sequenceStarts = Array(starts.dropLast()), sequenceLengths = lengths
        for layer in layers {
            linear(total, x, h, layer.qkv, layer.qkvBias, qkv, 3 * h, ORK_EPILOGUE_BIAS)
            sequenceStarts.withUnsafeBufferPointer { st in
                sequenceLengths.withUnsafeBufferPointer { len in
                    ork_encoder_attention(qkv, 3 * h, st.baseAddress!, len.baseAddress!, sequences.count,
                                          heads, headDim, scale, context, h)
                }
            }
            linear(total, context, h, layer.attentionOut, layer.attentionOutBias, x, h, ORK_EPILOGUE_BIAS_RESIDUAL)
            layerNorm(x, rows: total, layer.attentionNormWeight, layer.attentionNormBias)
            linear(total, x, h, layer.intermediate, layer.intermediateBias, mid, inter, ORK_EPILOGUE_BIAS_GELU)
            linear(total, mid, inter, layer.output, layer.outputBias, x, h, ORK_EPILOGUE_BIAS_RESIDUAL)
            layerNorm(x, rows: total, layer.outputNormWeight, layer.outputNormBias)
        }

        // Pooling (mean over the sentence's tokens, or [CLS]) and L2 normalisation.
        return (0..<sequences.count).map { s in
            var v = [Float](repeating: 0, count: h)
            if config.meanPooling, lengths[s] > 0 {
                for p in 0..<lengths[s] {
                    let row = x + (starts[s] + p) * h
                    for i in 0..<h { v[i] += row[i] }
                }
                let inverse = 1 / Float(lengths[s])
                for i in 0..<h { v[i] *= inverse }
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

    /// out (rows, outFeatures) = epilogue(input (rows, inFeatures) · Wᵀ + bias), W packed.
    private func linear(_ rows: Int, _ input: UnsafePointer<Float>, _ inFeatures: Int, _ weight: PackedWeight, _ bias: [Float],
                        _ out: UnsafeMutablePointer<Float>, _ outFeatures: Int, _ epilogue: ork_epilogue) {
        switch weight {
        case .float32(let w):
            ork_linear(rows, outFeatures, inFeatures, input, inFeatures, w, bias, out, outFeatures, epilogue)
        case .bfloat16(let w):
            ork_linear_bf16(rows, outFeatures, inFeatures, input, inFeatures, w, bias, out, outFeatures, epilogue)
        }
    }

    private func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, _ weight: [Float], _ bias: [Float]) {
        weight.withUnsafeBufferPointer { g in
            bias.withUnsafeBufferPointer { b in
                ork_layer_norm(x, rows, weight.count, weight.count, g.baseAddress!, b.baseAddress!, config.layerNormEps)
            }
        }
    }
}
