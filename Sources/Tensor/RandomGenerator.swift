import Foundation

/// A seeded, platform-independent generator (xoshiro256**, seeded by
/// SplitMix64), so that the same seed gives the same weights, shuffles and
/// dropout masks on every machine and run.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * nextUnitFloat() }

    /// Standard normal (Box–Muller on doubles).
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, Double.leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Standard normal redrawn outside two standard deviations, as Keras'
    /// `TruncatedNormal`.
    public mutating func truncatedNormal() -> Float {
        while true {
            let z = normal()
            if abs(z) <= 2 { return z }
        }
    }

    /// A derived generator, so that parts of a program draw independent
    /// streams from one user seed.
    public mutating func fork() -> RandomGenerator { RandomGenerator(seed: next()) }
}

extension Tensor {
    public static func uniform(_ shape: [Int], low: Float, high: Float, generator: inout RandomGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        for i in 0..<result.count { result.pointer[i] = generator.uniform(low, high) }
        return result
    }

    public static func normal(_ shape: [Int], mean: Float = 0, standardDeviation: Float,
                              truncated: Bool = false, generator: inout RandomGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        for i in 0..<result.count {
            let z = truncated ? generator.truncatedNormal() : generator.normal()
            result.pointer[i] = mean + standardDeviation * z
        }
        return result
    }
}
