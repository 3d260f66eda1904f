import CKernels
import Tensor
import Testing

/// The encoder kernels (ckernels_encoder.h) on every instruction set against
/// their scalar references. Dense layers: FMA and summation order differ,
/// so the bound is relative to Σ|a·w| + |bias| (+ |c|); GELU and softmax use
/// polynomial erf/exp, bounded in absolute terms.
let maxLinearRelativeError: Float = 2e-6
let maxGELUAbsoluteError: Float = 1e-6
let maxLayerNormError: Float = 2e-5
/// Attention outputs are weighted means of v rows: error relative to max |v|.
let maxAttentionRelativeError: Float = 1e-6
/// bf16 against float32 products: both operands rounded to 8 significant bits
/// (relative error ≤ 2⁻⁸ each), so each product is off by less than 2⁻⁷ of |a·w|.
let maxBF16RelativeError: Float = 1.0 / 128

@Suite(.serialized)
struct EncoderKernelTests {
    static func random(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in (rng.nextUnitFloat() * 2 - 1) * scale }
    }

    static func packed(_ w: [Float], n: Int, k: Int) -> [Float] {
        var p = [Float](repeating: .nan, count: ork_packed_weight_count(n, k))
        ork_pack_weight(w, n, k, &p)
        return p
    }

    func withISA(_ isa: ork_isa, _ body: () -> Void) {
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        ork_set_isa(isa)
        body()
    }

    @Test func packedLayout() {
        // W (3 × 2): rows are output columns.
        let p = Self.packed([1, 2, 3, 4, 5, 6], n: 3, k: 2)
        #expect(p.count == 64)
        #expect(Array(p[0..<4]) == [1, 3, 5, 0] && p[32] == 2 && p[33] == 4 && p[34] == 6)
        #expect(p[35..<64].allSatisfy { $0 == 0 } && p[3..<32].allSatisfy { $0 == 0 })
    }

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func linearMatchesReference(isa: ork_isa) {
        withISA(isa) {
            let shapes = [(1, 32, 7), (5, 45, 384), (13, 384, 64), (100, 1, 3), (130, 200, 384), (37, 70, 1536)]
            for (m, n, k) in shapes {
                let a = Self.random(m * k, seed: 1), w = Self.random(n * k, seed: 2), bias = Self.random(n, seed: 3)
                let pw = Self.packed(w, n: n, k: k)
                let residual = Self.random(m * n, seed: 4)
                for epilogue in [ORK_EPILOGUE_BIAS, ORK_EPILOGUE_BIAS_GELU, ORK_EPILOGUE_BIAS_RESIDUAL] {
                    var fast = residual, reference = residual
                    ork_linear(m, n, k, a, k, pw, bias, &fast, n, epilogue)
                    ork_linear_ref(m, n, k, a, k, pw, bias, &reference, n, epilogue)
                    var worst: Float = 0
                    for i in 0..<m {
                        for j in 0..<n {
                            var magnitude = abs(bias[j]) + abs(residual[i * n + j])
                            for p in 0..<k { magnitude += abs(a[i * k + p] * w[j * k + p]) }
                            worst = max(worst, abs(fast[i * n + j] - reference[i * n + j]) / max(magnitude, 1))
                        }
                    }
                    #expect(worst <= maxLinearRelativeError, "\(m)×\(n)×\(k) epilogue \(epilogue.rawValue) on \(isa): \(worst)")
                }
            }
        }
    }

    @Test func bf16Rounding() {
        #expect(ork_fp32_to_bf16(1) == 0x3F80 && ork_bf16_to_fp32(0x3F80) == 1)
        // Ties go to even: 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷.
        #expect(ork_fp32_to_bf16(1 + 0x1p-8) == 0x3F80 && ork_fp32_to_bf16(1 + 0x1p-8 + 0x1p-20) == 0x3F81)
        #expect(ork_fp32_to_bf16(-2.5) == 0xC020)
        #expect(ork_bf16_to_fp32(ork_fp32_to_bf16(.nan)).isNaN)
        #expect(ork_bf16_to_fp32(ork_fp32_to_bf16(.infinity)) == .infinity)
    }

    /// The bf16 layer: the native body (where the CPU has one) against the
    /// reference, and both against float32 within bf16's rounding.
    @Test func linearBF16MatchesReference() {
        for (m, n, k) in [(1, 32, 7), (5, 45, 383), (13, 384, 64), (130, 200, 384), (37, 70, 1536)] {
            let a = Self.random(m * k, seed: 12), w = Self.random(n * k, seed: 13), bias = Self.random(n, seed: 14)
            var pw = [UInt16](repeating: 0xFFFF, count: ork_packed_weight_bf16_count(n, k))
            ork_pack_weight_bf16(w, n, k, &pw)
            let pf = Self.packed(w, n: n, k: k)
            let residual = Self.random(m * n, seed: 15)
            for epilogue in [ORK_EPILOGUE_BIAS, ORK_EPILOGUE_BIAS_GELU, ORK_EPILOGUE_BIAS_RESIDUAL] {
                var fast = residual, reference = residual, float32 = residual
                ork_linear_bf16(m, n, k, a, k, pw, bias, &fast, n, epilogue)
                ork_linear_bf16_ref(m, n, k, a, k, pw, bias, &reference, n, epilogue)
                ork_linear_ref(m, n, k, a, k, pf, bias, &float32, n, epilogue)
                var worst: Float = 0, worstRounding: Float = 0
                for i in 0..<m {
                    for j in 0..<n {
                        var magnitude: Float = 0
                        for p in 0..<k { magnitude += abs(a[i * k + p] * w[j * k + p]) }
                        let scale = max(magnitude + abs(bias[j]) + abs(residual[i * n + j]), 1)
                        worst = max(worst, abs(fast[i * n + j] - reference[i * n + j]) / scale)
                        worstRounding = max(worstRounding, abs(reference[i * n + j] - float32[i * n + j]) / max(magnitude, 1e-3))
                    }
                }
                #expect(worst <= maxLinearRelativeError, "\(m)×\(n)×\(k) epilogue \(epilogue.rawValue): \(worst)")
                #expect(worstRounding <= maxBF16RelativeError, "\(m)×\(n)×\(k) epilogue \(epilogue.rawValue): \(worstRounding)")
            }
        }
    }

    /// Whether the rows are split into blocks (a batch) or the columns into
    /// panel groups (one sentence), every element comes out bit for bit the same.
    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func linearDoesNotDependOnTheSplit(isa: ork_isa) {
        withISA(isa) {
            let m = 203, n = 200, k = 96
            let a = Self.random(m * k, seed: 5), bias = Self.random(n, seed: 6)
            let pw = Self.packed(Self.random(n * k, seed: 7), n: n, k: k)
            var whole = [Float](repeating: 0, count: m * n), rowByRow = whole
            ork_linear(m, n, k, a, k, pw, bias, &whole, n, ORK_EPILOGUE_BIAS_GELU)
            a.withUnsafeBufferPointer { ap in
                rowByRow.withUnsafeMutableBufferPointer { cp in
                    for i in 0..<m {
                        ork_linear(1, n, k, ap.baseAddress! + i * k, k, pw, bias, cp.baseAddress! + i * n, n, ORK_EPILOGUE_BIAS_GELU)
                    }
                }
            }
            #expect(whole == rowByRow)
        }
    }

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func geluMatchesReference(isa: ork_isa) {
        withISA(isa) {
            var x = (0..<4001).map { Float($0 - 2000) / 200 } + [-100, 100, -0.0, 1e-30, -1e-30, 30, -30, 5.5, -5.5]
            var reference = x
            ork_gelu(&x, x.count)
            ork_gelu_ref(&reference, reference.count)
            let worst = zip(x, reference).map { abs($0 - $1) }.max()!
            #expect(worst <= maxGELUAbsoluteError, "on \(isa): \(worst)")
            #expect(x.allSatisfy { $0.isFinite })
            // The erf form, not the tanh approximation: gelu(1) = 0.841344746.
            var one: [Float] = [1]
            ork_gelu(&one, 1)
            #expect(abs(one[0] - 0.841344746) < 1e-6)
        }
    }

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func layerNormMatchesReference(isa: ork_isa) {
        withISA(isa) {
            for cols in [1, 7, 45, 384] {
                let rows = 300, ld = cols + 3
                let x = Self.random(rows * ld, seed: 8, scale: 4).enumerated().map { $0.element + Float($0.offset % 5) }
                let gamma = Self.random(cols, seed: 9), beta = Self.random(cols, seed: 10)
                var fast = x, reference = x
                ork_layer_norm(&fast, rows, cols, ld, gamma, beta, 1e-12)
                ork_layer_norm_ref(&reference, rows, cols, ld, gamma, beta, 1e-12)
                let worst = zip(fast, reference).map { abs($0 - $1) }.max()!
                #expect(worst <= maxLayerNormError, "cols \(cols) on \(isa): \(worst)")
                // Padding between rows is left alone.
                #expect((0..<rows).allSatisfy { r in (cols..<ld).allSatisfy { fast[r * ld + $0] == x[r * ld + $0] } })
            }
        }
    }

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func attentionMatchesReference(isa: ork_isa) {
        withISA(isa) {
            for (heads, headDim) in [(12, 32), (3, 20)] {
                let lengths = [1, 3, 17, 40, 9]
                let starts = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
                let rows = starts.last!, hidden = heads * headDim
                let qkv = Self.random(rows * 3 * hidden, seed: 11, scale: 3)
                let scale = 1 / Float(headDim).squareRoot()
                var fast = [Float](repeating: .nan, count: rows * hidden), reference = fast
                ork_encoder_attention(qkv, 3 * hidden, Array(starts.dropLast()), lengths, lengths.count, heads, headDim, scale, &fast, hidden)
                ork_encoder_attention_ref(qkv, 3 * hidden, Array(starts.dropLast()), lengths, lengths.count, heads, headDim, scale, &reference, hidden)
                let largestV = qkv.map { abs($0) }.max()!
                let worst = zip(fast, reference).map { abs($0 - $1) }.max()! / largestV
                #expect(worst <= maxAttentionRelativeError, "\(heads)×\(headDim) on \(isa): \(worst)")
                // A one-token sequence attends only to itself: its output is its own v.
                for d in 0..<hidden { #expect(fast[d] == qkv[2 * hidden + d] || abs(fast[d] - qkv[2 * hidden + d]) < 1e-6) }
            }
        }
    }
}
