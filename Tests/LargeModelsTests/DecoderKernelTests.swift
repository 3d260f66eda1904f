import CKernels
import Foundation
import Tensor
import Testing
@testable import LargeModels

/// Attention: the vector bodies (llama.cpp's summation orders and vector e^x)
/// against the scalar reference (position-order sums, libm expf). Both round
/// the query and the probabilities to F16, as llama.cpp does; a probability
/// within rounding noise of an F16 midpoint may round the other way, so the
/// bound is in units of the largest |v|.
let maxAttentionError: Float = 1e-3
/// SwiGLU: ggml's vector e^x is within 2 ulp of expf.
let maxSwiGLURelativeError: Float = 1e-6

/// Kernels that switch the process-wide ISA: scripts/test runs this suite on its own.
@Suite(.serialized)
struct DecoderKernelTests {
    static func values(_ n: Int, seed: UInt64, scale: Float) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in (Float(rng.next() % 20001) / 10000 - 1) * scale }
    }

    static func withISA<T>(_ isa: ork_isa, _ body: () -> T) -> T {
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        ork_set_isa(isa)
        return body()
    }

    /// Runs ork_attention_f16 for queries at positions `lengths` (len = position + 1) over one cache.
    static func attention(isa: ork_isa, heads: Int, kvHeads: Int, headDim: Int, lengths: [Int], batched: Bool,
                          q: [Float], keys: [UInt16], values: [UInt16]) -> [Float] {
        let kvStride = kvHeads * headDim
        var out = [Float](repeating: .nan, count: lengths.count * heads * headDim)
        withISA(isa) {
            q.withUnsafeBufferPointer { qp in
                keys.withUnsafeBufferPointer { kp in
                    values.withUnsafeBufferPointer { vp in
                        out.withUnsafeMutableBufferPointer { op in
                            var queries = lengths.enumerated().map { i, len in
                                ork_attention_query(q: qp.baseAddress! + i * heads * headDim, k: kp.baseAddress!, v: vp.baseAddress!,
                                                    len: len, out: op.baseAddress! + i * heads * headDim, batched: batched ? 1 : 0)
                            }
                            #expect(ork_attention_f16(&queries, lengths.count, kvStride, heads, kvHeads, headDim, 0.125) == 0)
                        }
                    }
                }
            }
        }
        return out
    }

    @Test func attentionBodiesAgreeWithReference() {
        let heads = 9, kvHeads = 3, headDim = 64, positions = 300
        let lengths = [1, 2, 15, 16, 17, 63, 64, 65, 130, 300]
        let q = Self.values(lengths.count * heads * headDim, seed: 1, scale: 4)
        let keys = Self.values(positions * kvHeads * headDim, seed: 2, scale: 3).map(ork_fp32_to_fp16)
        let valueFloats = Self.values(positions * kvHeads * headDim, seed: 3, scale: 2)
        let values = valueFloats.map(ork_fp32_to_fp16)
        let maxV = valueFloats.map(abs).max()!
        for batched in [false, true] {
            let reference = Self.attention(isa: ORK_ISA_SCALAR, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                           lengths: lengths, batched: batched, q: q, keys: keys, values: values)
            var vectorResults: [[Float]] = []
            for isa in [ORK_ISA_AVX2, ORK_ISA_AVX512] where ork_detect_isa().rawValue >= isa.rawValue {
                let fast = Self.attention(isa: isa, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                          lengths: lengths, batched: batched, q: q, keys: keys, values: values)
                let worst = zip(fast, reference).map { abs($0 - $1) }.max()!
                #expect(worst <= maxAttentionError * maxV, "\(isa) batched=\(batched): max error \(worst)")
                vectorResults.append(fast)
            }
            if vectorResults.count == 2 { #expect(vectorResults[0] == vectorResults[1], "AVX2 and AVX-512 differ, batched=\(batched)") }
        }
    }

    /// One position: the output is that position's value row (softmax of one score is 1).
    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func attentionOverOnePositionReturnsItsValues(isa: ork_isa) {
        let heads = 4, kvHeads = 2, headDim = 64
        let q = Self.values(heads * headDim, seed: 4, scale: 1)
        let keys = Self.values(kvHeads * headDim, seed: 5, scale: 1).map(ork_fp32_to_fp16)
        let values = Self.values(kvHeads * headDim, seed: 6, scale: 1).map(ork_fp32_to_fp16)
        for batched in [false, true] {
            let out = Self.attention(isa: isa, heads: heads, kvHeads: kvHeads, headDim: headDim, lengths: [1],
                                     batched: batched, q: q, keys: keys, values: values)
            for h in 0..<heads {
                for d in 0..<headDim {
                    #expect(out[h * headDim + d] == ork_fp16_to_fp32(values[(h / 2) * headDim + d]))
                }
            }
        }
    }

    @Test func attentionRefusesBadShapes() {
        var out = [Float](repeating: 0, count: 512)
        let q = [Float](repeating: 0, count: 512)
        let kv = [UInt16](repeating: 0, count: 512)
        q.withUnsafeBufferPointer { qp in
            kv.withUnsafeBufferPointer { kp in
                out.withUnsafeMutableBufferPointer { op in
                    var query = ork_attention_query(q: qp.baseAddress!, k: kp.baseAddress!, v: kp.baseAddress!, len: 1,
                                                    out: op.baseAddress!, batched: 0)
                    #expect(ork_attention_f16(&query, 1, 512, 1, 1, 512, 1) == -1)  // head_dim > 256
                    #expect(ork_attention_f16(&query, 1, 64, 3, 2, 64, 1) == -1)    // heads not divisible
                    query.len = 0
                    #expect(ork_attention_f16(&query, 1, 64, 1, 1, 64, 1) == -1)    // nothing to attend
                }
            }
        }
    }

    @Test func swiGLUBodiesAgreeWithReference() {
        let rows = 3, n = 1536 + 5  // a tail past the last 16 goes through expf
        var g = Self.values(rows * n, seed: 7, scale: 12)
        g[0] = 0; g[1] = -100; g[2] = 100; g[3] = -0.5
        let u = Self.values(rows * n, seed: 8, scale: 3)
        func run(_ isa: ork_isa) -> [Float] {
            var y = [Float](repeating: .nan, count: rows * n)
            Self.withISA(isa) { ork_swiglu_f32(g, u, &y, rows, n) }
            return y
        }
        let reference = run(ORK_ISA_SCALAR)
        for i in 0..<(rows * n) {
            let exact = Double(g[i]) / (1 + exp(-Double(g[i]))) * Double(u[i])
            #expect(abs(Double(reference[i]) - exact) <= 1e-6 * max(1, abs(exact)))
        }
        var vectorResults: [[Float]] = []
        for isa in [ORK_ISA_AVX2, ORK_ISA_AVX512] where ork_detect_isa().rawValue >= isa.rawValue {
            let fast = run(isa)
            for i in 0..<(rows * n) {
                #expect(abs(fast[i] - reference[i]) <= maxSwiGLURelativeError * max(1, abs(reference[i])), "\(isa) at \(i)")
            }
            vectorResults.append(fast)
        }
        if vectorResults.count == 2 { #expect(vectorResults[0] == vectorResults[1]) }
    }

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func ropeRotatesAdjacentPairsWithFusedProducts(isa: ork_isa) {
        let heads = 3, headDim = 64, ropeDims = 64
        let x = Self.values(heads * headDim, seed: 9, scale: 5)
        let angles = (0..<(ropeDims / 2)).map { Float(17) * powf(10000, -2 * Float($0) / Float(ropeDims)) }
        let c = angles.map { cosf($0) }, s = angles.map { sinf($0) }
        var y = x
        Self.withISA(isa) { ork_rope_f32(&y, heads, headDim, ropeDims, c, s) }
        for h in 0..<heads {
            for i in 0..<(ropeDims / 2) {
                let x0 = x[h * headDim + 2 * i], x1 = x[h * headDim + 2 * i + 1]
                #expect(y[h * headDim + 2 * i] == (-(x1 * s[i])).addingProduct(x0, c[i]))
                #expect(y[h * headDim + 2 * i + 1] == (x1 * c[i]).addingProduct(x0, s[i]))
            }
        }
    }

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func halfPrecisionRowsMatchScalarConversion(isa: ork_isa) {
        var x = Self.values(37, seed: 10, scale: 70000)
        x[0] = 1e-8; x[1] = -0.0; x[2] = .infinity; x[3] = 65519; x[4] = 65520
        var row = [UInt16](repeating: 0, count: x.count)
        Self.withISA(isa) { ork_fp32_to_fp16_row(x, &row, x.count) }
        #expect(row == x.map(ork_fp32_to_fp16))
    }

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func argmaxTakesTheFirstLargest(isa: ork_isa) {
        var rng = RandomGenerator(seed: 11)
        for n in [1, 15, 16, 17, 49152, 49157] {
            // Few distinct values, so the maximum repeats.
            var x = (0..<n).map { _ in Float(rng.next() % 50) }
            Self.withISA(isa) {
                #expect(ork_argmax_f32(x, n) == ork_argmax_f32_ref(x, n))
                #expect(ork_argmax_f32(x, n) == x.firstIndex(of: x.max()!)!)
            }
            x[n - 1] = 1000
            Self.withISA(isa) { #expect(ork_argmax_f32(x, n) == n - 1) }
        }
        let none = [Float](repeating: -.infinity, count: 40)
        Self.withISA(isa) { #expect(ork_argmax_f32(none, 40) == 0) }
    }
}
