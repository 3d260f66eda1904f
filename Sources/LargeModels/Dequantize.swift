// Scalar reference dequantizers for ggml's block formats (ggml-quants.c
// `dequantize_row_*`), one per type, written for clarity. Layouts:
//   Q4_0 (32/block, 18 B): f16 d; u8 qs[16]              x = (q − 8)·d
//   Q4_1 (32/block, 20 B): f16 d, m; u8 qs[16]           x = q·d + m
//     (both: low nibbles are elements 0–15, high nibbles 16–31)
//   Q8_0 (32/block, 34 B): f16 d; i8 qs[32]              x = q·d
//   Q4_K (256/block, 144 B): f16 d, dmin; u8 scales[12] (8 pairs of 6-bit scale/min); u8 qs[128]
//   Q6_K (256/block, 210 B): u8 ql[128] (low 4 bits); u8 qh[64] (high 2 bits); i8 scales[16]; f16 d
//   F16, BF16, F32: plain.

import CKernels
import ModelFormats

public enum Dequantize {
    @inline(__always) static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        ork_fp16_to_fp32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Dequantizes `count` elements of `type` starting at `source` (count a multiple of the block size).
    public static func row(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int) throws -> [Float] {
        switch type {
        case .f32: return rowF32(source, count: count)
        case .f16: return rowF16Reference(source, count: count)
        case .bf16: return rowBF16Reference(source, count: count)
        case .q4_0: return rowQ4_0Reference(source, count: count)
        case .q4_1: return rowQ4_1Reference(source, count: count)
        case .q8_0: return rowQ8_0Reference(source, count: count)
        case .q4_K: return rowQ4_KReference(source, count: count)
        case .q6_K: return rowQ6_KReference(source, count: count)
        default: throw LargeModelError.unsupportedTensorType(tensor: "", type: type.description)
        }
    }

    public static func rowF32(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        (0..<count).map { p.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
    }

    public static func rowF16Reference(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        (0..<count).map { half(p, 2 * $0) }
    }

    public static func rowBF16Reference(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        (0..<count).map { Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) << 16) }
    }

    public static func rowQ4_0Reference(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        var y = [Float](repeating: 0, count: count)
        for b in 0..<(count / 32) {
            let block = p + b * 18
            let d = half(block, 0)
            for j in 0..<16 {
                let q = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                y[b * 32 + j] = Float(Int(q & 0x0F) - 8) * d
                y[b * 32 + j + 16] = Float(Int(q >> 4) - 8) * d
            }
        }
        return y
    }

    public static func rowQ4_1Reference(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        var y = [Float](repeating: 0, count: count)
        for b in 0..<(count / 32) {
            let block = p + b * 20
            let d = half(block, 0), m = half(block, 2)
            for j in 0..<16 {
                let q = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                y[b * 32 + j] = Float(q & 0x0F) * d + m
                y[b * 32 + j + 16] = Float(q >> 4) * d + m
            }
        }
        return y
    }

    public static func rowQ8_0Reference(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        var y = [Float](repeating: 0, count: count)
        for b in 0..<(count / 32) {
            let block = p + b * 34
            let d = half(block, 0)
            for j in 0..<32 { y[b * 32 + j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
        }
        return y
    }

    /// ggml `get_scale_min_k4`: 6-bit scale and min j (0..<8) from the 12 packed bytes.
    static func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (UInt8, UInt8) {
        func b(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (b(j) & 63, b(j + 4) & 63) }
        return ((b(j + 4) & 0xF) | ((b(j - 4) >> 6) << 4), (b(j + 4) >> 4) | ((b(j) >> 6) << 4))
    }

    public static func rowQ4_KReference(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        var y = [Float](repeating: 0, count: count)
        var out = 0
        for b in 0..<(count / 256) {
            let block = p + b * 144
            let d = half(block, 0), dmin = half(block, 2)
            let scales = block + 4
            var q = block + 16
            var scaleIndex = 0
            for _ in stride(from: 0, to: 256, by: 64) {
                let (sc1, m1) = scaleMinK4(scaleIndex, scales)
                let (sc2, m2) = scaleMinK4(scaleIndex + 1, scales)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                for l in 0..<32 { y[out + l] = d1 * Float(q.load(fromByteOffset: l, as: UInt8.self) & 0xF) - min1 }
                for l in 0..<32 { y[out + 32 + l] = d2 * Float(q.load(fromByteOffset: l, as: UInt8.self) >> 4) - min2 }
                out += 64
                q += 32
                scaleIndex += 2
            }
        }
        return y
    }

    public static func rowQ6_KReference(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        var y = [Float](repeating: 0, count: count)
        var out = 0
        for b in 0..<(count / 256) {
            let block = p + b * 210
            let d = half(block, 208)
            var ql = block, qh = block + 128, sc = block + 192
            for _ in stride(from: 0, to: 256, by: 128) {
                for l in 0..<32 {
                    let scaleIndex = l / 16
                    let low0 = ql.load(fromByteOffset: l, as: UInt8.self)
                    let low32 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    let q1 = Int((low0 & 0xF) | ((high >> 0) & 3) << 4) - 32
                    let q2 = Int((low32 & 0xF) | ((high >> 2) & 3) << 4) - 32
                    let q3 = Int((low0 >> 4) | ((high >> 4) & 3) << 4) - 32
                    let q4 = Int((low32 >> 4) | ((high >> 6) & 3) << 4) - 32
                    func s(_ i: Int) -> Float { Float(sc.load(fromByteOffset: scaleIndex + i, as: Int8.self)) }
                    y[out + l] = d * s(0) * Float(q1)
                    y[out + l + 32] = d * s(2) * Float(q2)
                    y[out + l + 64] = d * s(4) * Float(q3)
                    y[out + l + 96] = d * s(6) * Float(q4)
                }
                out += 128
                ql += 64
                qh += 32
                sc += 8
            }
        }
        return y
    }
}
