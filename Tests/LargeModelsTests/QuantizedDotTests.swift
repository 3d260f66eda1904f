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

    static let weightTypes: [(name: String, type: Int, blockBytes: Int, activationBytes: Int)] = [
        ("q4_0", ORK_GGML_Q4_0, 18, 34), ("q4_1", ORK_GGML_Q4_1, 20, 36), ("q8_0", ORK_GGML_Q8_0, 34, 34),
    ]

    /// The matrix product on the active ISA against the row-by-row dot products
    /// of the same ISA (exact: tiles only interleave independent row pairs) and
    /// against the scalar reference (within maxDotProductRelativeError).
    @Test(arguments: [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512])
    func matrixProductMatchesRowDots(isa: ork_isa) {
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        ork_set_isa(isa)
        // 70 rows: full 4-row tiles and a remainder; batches 1…9 cover every tile width.
        let rows = 70, cols = 128
        for t in Self.weightTypes {
            let w = Self.randomBlocks(type: t.type, blocks: rows * cols / 32, seed: 5)
            for batch in [1, 2, 3, 4, 5, 8, 9] {
                let x = Self.activations(batch * cols, seed: UInt64(6 + batch))
                var xq = [UInt8](repeating: 0, count: batch * cols / 32 * t.activationBytes)
                ork_quantize_rows_for(Int32(t.type), x, batch, cols, &xq)
                var out = [Float](repeating: .nan, count: batch * rows)
                var scratch = [UInt8](repeating: 0, count: QuantizedMatrix.scratchBytes(cols: cols, batch: batch))
                #expect(ork_qmatmul(Int32(t.type), w, rows, cols, x, batch, &out, rows, &scratch, 0) == 0)
                w.withUnsafeBytes { wr in
                    xq.withUnsafeBytes { xr in
                        for b in 0..<batch {
                            for r in 0..<rows {
                                let wRow = wr.baseAddress! + r * cols / 32 * t.blockBytes
                                let xRow = xr.baseAddress! + b * cols / 32 * t.activationBytes
                                let (fast, reference): (Float, Float)
                                switch t.type {
                                case ORK_GGML_Q4_0: (fast, reference) = (ork_vec_dot_q4_0_q8_0(cols, wRow, xRow), ork_vec_dot_q4_0_q8_0_ref(cols, wRow, xRow))
                                case ORK_GGML_Q4_1: (fast, reference) = (ork_vec_dot_q4_1_q8_1(cols, wRow, xRow), ork_vec_dot_q4_1_q8_1_ref(cols, wRow, xRow))
                                default: (fast, reference) = (ork_vec_dot_q8_0_q8_0(cols, wRow, xRow), ork_vec_dot_q8_0_q8_0_ref(cols, wRow, xRow))
                                }
                                let value = out[b * rows + r]
                                #expect(value == fast, "\(t.name) on \(isa), batch \(batch), [\(b), \(r)]: \(value) vs row dot \(fast)")
                                #expect(abs(value - reference) <= maxDotProductRelativeError * max(1, abs(reference)),
                                        "\(t.name) on \(isa): \(value) vs reference \(reference)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// AVX2 and AVX-512 bodies compute the same lane sums in the same float
    /// order (ggml's), so their products agree bit for bit.
    @Test func vectorBodiesAgreeExactly() {
        guard ork_detect_isa() == ORK_ISA_AVX512 else { return }
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        let rows = 36, cols = 576, batch = 6
        let x = Self.activations(batch * cols, seed: 21)
        var scratch = [UInt8](repeating: 0, count: QuantizedMatrix.scratchBytes(cols: cols, batch: batch))
        for t in Self.weightTypes {
            let w = Self.randomBlocks(type: t.type, blocks: rows * cols / 32, seed: 22)
            var outs: [[Float]] = []
            for isa in [ORK_ISA_AVX2, ORK_ISA_AVX512] {
                ork_set_isa(isa)
                var out = [Float](repeating: 0, count: batch * rows)
                ork_qmatmul(Int32(t.type), w, rows, cols, x, batch, &out, rows, &scratch, 0)
                outs.append(out)
            }
            #expect(outs[0] == outs[1], "\(t.name)")
        }
    }

    /// One call over several matrices equals one call per matrix.
    @Test func groupedProductsEqualSeparateOnes() {
        let cols = 96, batch = 3
        let x = Self.activations(batch * cols, seed: 31)
        let shapes = [(ORK_GGML_Q4_1, 40), (ORK_GGML_Q8_0, 12), (ORK_GGML_Q4_1, 9)]
        let weights = shapes.enumerated().map { Self.randomBlocks(type: $1.0, blocks: $1.1 * cols / 32, seed: UInt64(40 + $0)) }
        var scratch = [UInt8](repeating: 0, count: QuantizedMatrix.scratchBytes(cols: cols, batch: batch))
        var separate: [[Float]] = []
        for (i, (type, rows)) in shapes.enumerated() {
            var out = [Float](repeating: 0, count: batch * rows)
            ork_qmatmul(Int32(type), weights[i], rows, cols, x, batch, &out, rows, &scratch, 0)
            separate.append(out)
        }
        var o0 = [Float](repeating: 0, count: batch * shapes[0].1)
        var o1 = [Float](repeating: 0, count: batch * shapes[1].1)
        var o2 = [Float](repeating: 0, count: batch * shapes[2].1)
        o0.withUnsafeMutableBufferPointer { p0 in
            o1.withUnsafeMutableBufferPointer { p1 in
                o2.withUnsafeMutableBufferPointer { p2 in
                    weights[0].withUnsafeBytes { w0 in
                        weights[1].withUnsafeBytes { w1 in
                            weights[2].withUnsafeBytes { w2 in
                                let targets = [
                                    ork_qmatmul_target(type: Int32(shapes[0].0), w: w0.baseAddress, rows: shapes[0].1, out: p0.baseAddress, out_stride: shapes[0].1),
                                    ork_qmatmul_target(type: Int32(shapes[1].0), w: w1.baseAddress, rows: shapes[1].1, out: p1.baseAddress, out_stride: shapes[1].1),
                                    ork_qmatmul_target(type: Int32(shapes[2].0), w: w2.baseAddress, rows: shapes[2].1, out: p2.baseAddress, out_stride: shapes[2].1),
                                ]
                                #expect(ork_qmatmul_many(targets, 3, cols, x, batch, &scratch, 0) == 0)
                            }
                        }
                    }
                }
            }
        }
        let grouped = [o0, o1, o2]
        #expect(grouped == separate)
    }

    /// Block sums (ORK_QMATMUL_BLOCK_SUMS) add each block's lanes in integers and
    /// round once per block: within the dot-product tolerance of llama.cpp's sums,
    /// the same on AVX2 and AVX-512, and ignored for single rows and the scalar ISA.
    @Test func blockSumsStayWithinRoundingOfLlamaCppSums() {
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        let rows = 37, cols = 576
        for t in Self.weightTypes {
            let w = Self.randomBlocks(type: t.type, blocks: rows * cols / 32, seed: 61)
            for batch in [1, 2, 7, 8, 9, 16] {
                let x = Self.activations(batch * cols, seed: UInt64(62 + batch))
                var scratch = [UInt8](repeating: 0, count: QuantizedMatrix.scratchBytes(cols: cols, batch: batch))
                var sums: [[Float]] = []
                for isa in [ORK_ISA_SCALAR, ORK_ISA_AVX2, ORK_ISA_AVX512] where ork_detect_isa().rawValue >= isa.rawValue {
                    ork_set_isa(isa)
                    var exact = [Float](repeating: 0, count: batch * rows), blocks = exact
                    ork_qmatmul(Int32(t.type), w, rows, cols, x, batch, &exact, rows, &scratch, 0)
                    ork_qmatmul(Int32(t.type), w, rows, cols, x, batch, &blocks, rows, &scratch, ORK_QMATMUL_BLOCK_SUMS)
                    if isa == ORK_ISA_SCALAR || batch == 1 {
                        #expect(blocks == exact, "\(t.name) on \(isa), batch \(batch): the flag must not apply")
                    } else {
                        for i in 0..<(batch * rows) {
                            #expect(abs(blocks[i] - exact[i]) <= maxDotProductRelativeError * max(1, abs(exact[i])),
                                    "\(t.name) on \(isa), batch \(batch): \(blocks[i]) vs \(exact[i])")
                        }
                        sums.append(blocks)
                    }
                }
                if sums.count == 2 { #expect(sums[0] == sums[1], "\(t.name), batch \(batch): AVX2 and AVX-512 block sums differ") }
            }
        }
    }

    /// AVX-512 VNNI block sums of Q4_1 and Q8_0 run 4 weight rows a call (the
    /// rest one at a time): the same bits as the AVX2 block sums, which run one
    /// row a call, whatever the row count (tails of 1–3 rows, several tasks),
    /// batch (groups of 8 and a partial group) and width.
    @Test func fourRowBlockSumsEqualOneRowBlockSums() {
        guard ork_detect_isa() == ORK_ISA_AVX512 else { return }
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        for t in Self.weightTypes {
            for (rows, cols) in [(1, 64), (3, 96), (4, 576), (6, 64), (7, 128), (9, 576), (1029, 64)] {
                let w = Self.randomBlocks(type: t.type, blocks: rows * cols / 32, seed: UInt64(70 + rows))
                for batch in [2, 5, 8, 11, 16] {
                    let x = Self.activations(batch * cols, seed: UInt64(80 + batch))
                    var scratch = [UInt8](repeating: 0, count: QuantizedMatrix.scratchBytes(cols: cols, batch: batch))
                    var outs: [[Float]] = []
                    for isa in [ORK_ISA_AVX2, ORK_ISA_AVX512] {
                        ork_set_isa(isa)
                        var out = [Float](repeating: .nan, count: batch * rows)
                        ork_qmatmul(Int32(t.type), w, rows, cols, x, batch, &out, rows, &scratch, ORK_QMATMUL_BLOCK_SUMS)
                        outs.append(out)
                    }
                    let finite = outs[0].allSatisfy { $0.isFinite }
                    #expect(finite, "\(t.name) \(rows)x\(cols), batch \(batch)")
                    #expect(outs[0] == outs[1], "\(t.name) \(rows)x\(cols), batch \(batch)")
                }
            }
        }
    }

    /// The vector quantizer writes the scalar reference's bytes.
    @Test(arguments: [ORK_ISA_AVX2, ORK_ISA_AVX512])
    func vectorQuantizerMatchesReference(isa: ork_isa) {
        let previous = ork_active_isa()
        defer { ork_set_isa(previous) }
        ork_set_isa(isa)
        var x = Self.activations(32 * 40, seed: 51)
        // Exact halves (round-half-even), a zero block and a block with one huge value.
        for j in 0..<32 { x[j] = Float(j) - 15.5; x[32 + j] = 0; x[64 + j] = j == 7 ? 1e6 : 1 }
        for (fast, reference, size) in [(ork_quantize_row_q8_0, ork_quantize_row_q8_0_ref, 34),
                                         (ork_quantize_row_q8_1, ork_quantize_row_q8_1_ref, 36)] {
            var a = [UInt8](repeating: 0, count: 40 * size), b = a
            fast(x, &a, x.count)
            reference(x, &b, x.count)
            #expect(a == b)
        }
    }

    @Test func unsupportedProductsAreRefused() {
        var out = [Float](repeating: 0, count: 4)
        var scratch = [UInt8](repeating: 0, count: QuantizedMatrix.scratchBytes(cols: 64, batch: 1))
        let w = [UInt8](repeating: 0, count: 4 * 64)
        let x = [Float](repeating: 1, count: 64)
        #expect(ork_qmatmul(Int32(ORK_GGML_F32), w, 1, 64, x, 1, &out, 1, &scratch, 0) == -1)
        #expect(ork_qmatmul(Int32(ORK_GGML_Q4_1), w, 1, 60, x, 1, &out, 1, &scratch, 0) == -1)
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
