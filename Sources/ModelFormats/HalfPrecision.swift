// Exact widening of 16-bit floats to Float32.
//
// F16 (IEEE binary16): 1 sign, 5 exponent (bias 15), 10 fraction bits; the
// conversion is done on bit patterns so it works on every platform (Swift's
// Float16 type is unavailable on macOS x86_64) and matches Float(Float16)
// bit for bit, including subnormals, ±inf and NaN payloads.
// BF16: the top 16 bits of a Float32, so widening is a 16-bit shift.

enum HalfPrecision {
    @inline(__always)
    static func float(fromF16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let fraction = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: fraction · 2^-24, exact in Float32.
            let magnitude = Float(fraction) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
        }
    }

    @inline(__always)
    static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
