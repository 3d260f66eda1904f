// RandomGenerator: the same seed gives the same stream on every machine
// (pinned against an independent Python implementation of SplitMix64 +
// xoshiro256**), and the distributions have the right moments.

import Testing
import Tensor

/// Allowed error of a sample mean or standard deviation over `sampleCount`
/// draws: about five standard errors (1/√10,000 = 0.01).
let sampleMomentTolerance: Float = 0.05
let sampleCount = 10_000

private func moments(_ values: [Float]) -> (mean: Float, standardDeviation: Float) {
    let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
    return (Float(mean), Float(variance.squareRoot()))
}

@Suite("RandomGenerator")
struct RandomGeneratorTests {
    @Test func pinnedFirstValues() {
        // python: SplitMix64 seeding, then xoshiro256** (bench-independent reimplementation).
        var zero = RandomGenerator(seed: 0)
        #expect([zero.next(), zero.next(), zero.next()] == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0])
        var fortyTwo = RandomGenerator(seed: 42)
        #expect([fortyTwo.next(), fortyTwo.next(), fortyTwo.next()]
                == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
        // The top 24 bits of the same stream as floats in [0, 1).
        var units = RandomGenerator(seed: 42)
        #expect([units.nextUnitFloat(), units.nextUnitFloat(), units.nextUnitFloat()]
                == [0.08386296033859253, 0.37898021936416626, 0.6800433993339539])
    }

    @Test func sameSeedSameStream() {
        var first = RandomGenerator(seed: 1234), second = RandomGenerator(seed: 1234)
        let a = (0..<1000).map { _ in first.next() }, b = (0..<1000).map { _ in second.next() }
        #expect(a == b)
        var other = RandomGenerator(seed: 1235)
        #expect((0..<1000).map { _ in other.next() } != a)
    }

    @Test func forkIsDeterministicAndIndependent() {
        var parent1 = RandomGenerator(seed: 5), parent2 = RandomGenerator(seed: 5)
        var child1 = parent1.fork(), child2 = parent2.fork()
        let stream = (0..<100).map { _ in child1.next() }
        #expect(stream == (0..<100).map { _ in child2.next() })
        #expect(stream != (0..<100).map { _ in parent1.next() })
    }

    @Test func uniformStaysInRangeWithTheRightMoments() {
        var generator = RandomGenerator(seed: 9)
        let values = (0..<sampleCount).map { _ in generator.uniform(-2, 4) }
        #expect(values.allSatisfy { $0 >= -2 && $0 < 4 })
        let (mean, deviation) = moments(values)
        #expect(Swift.abs(mean - 1) < 6 * sampleMomentTolerance)
        #expect(Swift.abs(deviation - 6 / Float(12).squareRoot()) < 6 * sampleMomentTolerance)
    }

    @Test func normalHasUnitMoments() {
        var generator = RandomGenerator(seed: 10)
        let (mean, deviation) = moments((0..<sampleCount).map { _ in generator.normal() })
        #expect(Swift.abs(mean) < sampleMomentTolerance)
        #expect(Swift.abs(deviation - 1) < sampleMomentTolerance)
    }

    @Test func truncatedNormalStaysWithinTwoDeviations() {
        var generator = RandomGenerator(seed: 11)
        let values = (0..<sampleCount).map { _ in generator.truncatedNormal() }
        #expect(values.allSatisfy { Swift.abs($0) <= 2 })
        let (mean, deviation) = moments(values)
        #expect(Swift.abs(mean) < sampleMomentTolerance)
        // The standard deviation of a unit normal truncated at ±2.
        #expect(Swift.abs(deviation - 0.87962566) < sampleMomentTolerance)
    }

    @Test func tensorFactoriesUseTheGenerator() {
        var first = RandomGenerator(seed: 12), second = RandomGenerator(seed: 12)
        let a = Tensor.normal([3, 4], mean: 1, standardDeviation: 0.5, truncated: true, generator: &first)
        let b = Tensor.normal([3, 4], mean: 1, standardDeviation: 0.5, truncated: true, generator: &second)
        #expect(a.values == b.values)
        #expect(a.values.allSatisfy { $0 >= 0 && $0 <= 2 })
        let u = Tensor.uniform([100], low: 3, high: 3.5, generator: &first)
        #expect(u.values.allSatisfy { $0 >= 3 && $0 < 3.5 })
    }
}
