// Keras initializers: fans, limits and standard deviations, checked on
// samples with loose statistical tolerances.

import Testing
@testable import NeuralNet
import Tensor

/// Sample standard deviations over ≥ 20,000 draws are within ~1% of the
/// truth; allow 4%.
let initializerDeviationTolerance: Float = 0.04

private func statistics(_ tensor: Tensor) -> (mean: Float, deviation: Float, maximum: Float) {
    let values = tensor.values.map(Double.init)
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
    return (Float(mean), Float(variance.squareRoot()), Float(values.map(Swift.abs).max() ?? 0))
}

@Suite("Initializers")
struct InitializerTests {
    @Test func kerasFans() {
        #expect(Initializer.fans([5408, 128]) == (5408, 128))
        // Conv kernel (kh, kw, in, out): the receptive field multiplies both.
        #expect(Initializer.fans([3, 3, 16, 32]) == (144, 288))
        #expect(Initializer.fans([7]) == (7, 7))
    }

    @Test func glorotUniformLimit() {
        var generator = RandomGenerator(seed: 1)
        let shape = [200, 100]
        let limit = (6.0 / 300.0).squareRoot()
        let (mean, deviation, maximum) = statistics(Initializer.glorotUniform.make(shape, generator: &generator))
        #expect(maximum <= Float(limit))
        #expect(maximum > 0.99 * Float(limit))  // the range is used up to the limit
        #expect(Swift.abs(mean) < 0.02 * Float(limit))  // five standard errors
        #expect(Swift.abs(deviation / Float(limit / 3.0.squareRoot()) - 1) < initializerDeviationTolerance)
    }

    @Test func heUniformLimit() {
        var generator = RandomGenerator(seed: 2)
        let limit = Float((6.0 / 144.0).squareRoot())
        let (_, deviation, maximum) = statistics(Initializer.heUniform.make([3, 3, 16, 200], generator: &generator))
        #expect(maximum <= limit && maximum > 0.99 * limit)
        #expect(Swift.abs(deviation / (limit / Float(3).squareRoot()) - 1) < initializerDeviationTolerance)
    }

    @Test func heNormalIsTruncatedAtTwoDeviations() {
        var generator = RandomGenerator(seed: 3)
        // fan_in 3·3·16 = 144: Keras draws N(0, σ) truncated at ±2σ with
        // σ = √(2/144)/0.8796, so that the result has deviation √(2/144).
        let sigma = Float((2.0 / 144.0).squareRoot() / 0.87962566103423978)
        let (mean, deviation, maximum) = statistics(Initializer.heNormal.make([3, 3, 16, 200], generator: &generator))
        #expect(maximum <= 2 * sigma * 1.000001)
        #expect(maximum > 1.95 * sigma)
        #expect(Swift.abs(mean) < 0.01)
        #expect(Swift.abs(deviation / Float((2.0 / 144.0).squareRoot()) - 1) < initializerDeviationTolerance)
    }

    @Test func glorotNormalDeviation() {
        var generator = RandomGenerator(seed: 4)
        let (_, deviation, maximum) = statistics(Initializer.glorotNormal.make([200, 100], generator: &generator))
        let target = Float((2.0 / 300.0).squareRoot())
        #expect(maximum <= 2 * target / 0.8796256 * 1.000001)
        #expect(Swift.abs(deviation / target - 1) < initializerDeviationTolerance)
    }

    @Test func constantsAndRandomRanges() {
        var generator = RandomGenerator(seed: 5)
        #expect(Initializer.zeros.make([3], generator: &generator).values == [0, 0, 0])
        #expect(Initializer.ones.make([2], generator: &generator).values == [1, 1])
        #expect(Initializer.constant(0.5).make([2], generator: &generator).values == [0.5, 0.5])
        let uniform = Initializer.randomUniform(-0.05, 0.05).make([1000], generator: &generator).values
        #expect(uniform.allSatisfy { $0 >= -0.05 && $0 < 0.05 })
        let (mean, deviation, _) = statistics(Initializer.randomNormal(mean: 1, standardDeviation: 0.1)
            .make([20_000], generator: &generator))
        #expect(Swift.abs(mean - 1) < 0.01)
        #expect(Swift.abs(deviation / 0.1 - 1) < initializerDeviationTolerance)
    }

    @Test func sameSeedSameWeights() throws {
        let first = try Sequential(inputShape: [6], layers: [Dense(units: 4), Dense(units: 2)], seed: 42)
        let second = try Sequential(inputShape: [6], layers: [Dense(units: 4), Dense(units: 2)], seed: 42)
        let third = try Sequential(inputShape: [6], layers: [Dense(units: 4), Dense(units: 2)], seed: 43)
        #expect(first.namedWeights.map(\.weight.value.values) == second.namedWeights.map(\.weight.value.values))
        #expect(first.namedWeights.map(\.weight.value.values) != third.namedWeights.map(\.weight.value.values))
    }
}
