import CKernels
import Tensor
import Testing
@testable import LargeModels

/// Fast dot products against the scalar references (ggml's test-quantize-fns habit).
/// Fast and reference bodies share the integer block sums and differ only in float
/// summation order, so the tolerance is relative and tight.
let maxDotProductRelativeError: Float = 1e-5
/// Quantized dot against the float dot of the dequantized weights and unquantized
/// activations: bounded by the Q8 activation rounding (half a step of amax/127 per element).
let maxQuantizationRelativeError: Float = 0.02

struct QuantizedDotTests {
    /// Random weight blocks of a 32-element type with sane f16 scales.
    static func randomBlocks(type: Int, blocks: Int, seed: UInt64) -> [UInt8] {
        var rng = RandomGenerator(seed: seed)
        let size = type == ORK_GGML_Q4_1 ? 20 : type == ORK_GGML_Q4_0 ? 18 : 34
        var bytes = (0..<(blocks * size)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for b in 0..<blocks {
            let d = ork_fp32_to_fp16(Float(rng.next() % 1000 + 1) * 1e-5)
            bytes[b * size] = UInt8(d & 0xff); bytes[b * size + 1] = UInt8(d >> 8)
            if type == ORK_GGML_Q4_1 {
                let m = ork_fp32_to_fp16(-Float(rng.next() % 1000) * 1e-4)
                bytes[b * size + 2] = UInt8(m & 0xff); bytes[b * size + 3] = UInt8(m >> 8)
            }
        }
        return bytes
    }

    static func activations(_ n: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in Float(Int(rng.next() % 2001) - 1000) / 250 }
    }

    typealias Dot = (Int, UnsafeRawPointer?, UnsafeRawPointer?) -> Float

    static let cases: [(name: String, type: Int, activationBytes: Int, fast: Dot, reference: Dot)] = [
        ("q4_0·q8_0", ORK_GGML_Q4_0, 34, { ork_vec_dot_q4_0_q8_0($0, $1, $2) }, { ork_vec_dot_q4_0_q8_0_ref($0, $1, $2) }),
        ("q4_1·q8_1", ORK_GGML_Q4_1, 36, { ork_vec_dot_q4_1_q8_1($0, $1, $2) }, { ork_vec_dot_q4_1_q8_1_ref($0, $1, $2) }),
        ("q8_0·q8_0", ORK_GGML_Q8_0, 34, { ork_vec_dot_q8_0_q8_0($0, $1, $2) }, { ork_vec_dot_q8_0_q8_0_ref($0, $1, $2) }),
    ]

    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func fastDotMatchesReference(isa: ork_isa) throws {
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        ork_set_isa(isa)
        let n = 576
        for c in Self.cases {
            let w = Self.randomBlocks(type: c.type, blocks: n / 32, seed: 11)
            let x = Self.activations(n, seed: 12)
            var xq = [UInt8](repeating: 0, count: n / 32 * c.activationBytes)
            ork_quantize_rows_for(Int32(c.type), x, 1, n, &xq)
            let fast = c.fast(n, w, xq), reference = c.reference(n, w, xq)
            let scale = max(1, abs(reference))
            #expect(abs(fast - reference) <= maxDotProductRelativeError * scale, "\(c.name) on \(isa): \(fast) vs \(reference)")

            // Against the float dot product of the dequantized weights.
            let weights: [Float] = try w.withUnsafeBytes { raw in
                switch c.type {
                case ORK_GGML_Q4_0: return Dequantize.rowQ4_0Reference(raw.baseAddress!, count: n)
                case ORK_GGML_Q4_1: return Dequantize.rowQ4_1Reference(raw.baseAddress!, count: n)
                default: return try Dequantize.row(.q8_0, raw.baseAddress!, count: n)
                }
            }
            let exact = zip(weights, x).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let magnitude = zip(weights, x).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
            #expect(abs(fast - exact) <= maxQuantizationRelativeError * magnitude, "\(c.name): \(fast) vs float \(exact)")
        }
    }

    @Test func matrixProductMatchesRowDots() {
        let rows = 70, cols = 128, batch = 6  // 4-row kernel plus 2 single rows
        let w = Self.randomBlocks(type: ORK_GGML_Q4_1, blocks: rows * cols / 32, seed: 5)
        let x = Self.activations(batch * cols, seed: 6)
        var xq = [UInt8](repeating: 0, count: batch * cols / 32 * 36)
        ork_quantize_rows_for(Int32(ORK_GGML_Q4_1), x, batch, cols, &xq)
        var out = [Float](repeating: 0, count: batch * rows)
        #expect(ork_qmatmul(Int32(ORK_GGML_Q4_1), w, rows, cols, xq, batch, &out, rows) == 0)
        w.withUnsafeBytes { wr in
            xq.withUnsafeBytes { xr in
                for b in 0..<batch {
                    for r in 0..<rows {
                        let expected = ork_vec_dot_q4_1_q8_1(cols, wr.baseAddress! + r * cols / 32 * 20, xr.baseAddress! + b * cols / 32 * 36)
                        #expect(out[b * rows + r] == expected)
                    }
                }
            }
        }
    }

    @Test func activationQuantizationFollowsGGML() {
        // d = amax/127; q = round-half-even(x · 127/amax); Q8_1's s = d·Σq.
        var x = [Float](repeating: 0, count: 32)
        for i in 0..<32 { x[i] = Float(i) - 15.5 }
        var q = [UInt8](repeating: 0, count: 36)
        ork_quantize_row_q8_1(x, &q, 32)
        let d = ork_fp16_to_fp32(UInt16(q[0]) | UInt16(q[1]) << 8)
        #expect(abs(d - 15.5 / 127) < 1e-4)
        #expect(Int8(bitPattern: q[4]) == -127)
        #expect(Int8(bitPattern: q[35]) == 127)
        let s = ork_fp16_to_fp32(UInt16(q[2]) | UInt16(q[3]) << 8)
        let sum = (4..<36).reduce(0) { $0 + Int(Int8(bitPattern: q[$1])) }
        #expect(abs(s - Float(sum) * (15.5 / 127)) < 1e-3)
    }

    @Test func halfPrecisionRoundTrips() {
        for f: Float in [0, -0, 1, -2.5, 65504, 1e-7, 6.1e-5, 0.1, 3.14159] {
            let h = ork_fp32_to_fp16(f)
            #expect(ork_fp16_to_fp32(h) == Float(Float16(f)))
        }
    }
}
