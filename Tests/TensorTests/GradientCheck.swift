// The shared numeric checks of the engine's tests: autodiff gradients against
// central finite differences, and approximate equality with named tolerances.
// TensorTests and NeuralNetTests both compile this one file (the copy under
// Tests/NeuralNetTests is a symbolic link to it).
//
// The checked objective is L = Σᵢ f(inputs)ᵢ · pᵢ with a fixed random
// projection p, so that every output element (and every direction of an op
// such as softmax, whose plain sum is constant) takes part. Autodiff gets p as
// the upstream gradient through `backward(seed:)`; the finite differences
// perturb one input element at a time, in place, and accumulate L in Double.

import Foundation
import Testing
import Tensor

/// Central-difference step for inputs of magnitude ~1. Float32 rounding of the
/// objective (~6e-8 · Σ|fᵢ·pᵢ|) is divided by 2h, and the truncation error
/// grows as h², so 1e-2 balances the two for the small tensors tested here.
let finiteDifferenceStep: Float = 1e-2
/// Allowed relative difference between autodiff and finite differences.
let finiteDifferenceTolerance: Double = 2e-2
/// Absolute floor under the relative tolerance, for gradients near zero.
let finiteDifferenceAbsoluteFloor: Double = 1e-3

/// Checks the autodiff gradient of L = Σ f(inputs)·p with respect to every
/// tensor in `inputs` against central finite differences, and records an
/// issue naming the input, element and both values on the first mismatches.
///
/// `f` must compute from the tensors it is given (they are perturbed in
/// place) and be deterministic. Pick inputs at least `step` away from kinks
/// (relu at 0, ties in max pooling, clip bounds).
func expectGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], step: Float = finiteDifferenceStep,
    tolerance: Double = finiteDifferenceTolerance, absoluteFloor: Double = finiteDifferenceAbsoluteFloor,
    projectionSeed: UInt64 = 7, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Tensor]) -> Tensor
) {
    let mismatches = gradientMismatches(inputs, step: step, tolerance: tolerance, absoluteFloor: absoluteFloor,
                                        projectionSeed: projectionSeed, f)
    if !mismatches.isEmpty {
        let message = "\(label.isEmpty ? "" : label + ": ")gradient differs from finite differences at "
            + "\(mismatches.count) element(s): " + mismatches.prefix(4).joined(separator: "; ")
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
}

/// The mismatching elements as "input i[j]: autodiff a, finite differences n".
func gradientMismatches(
    _ inputs: [Tensor], step: Float = finiteDifferenceStep, tolerance: Double = finiteDifferenceTolerance,
    absoluteFloor: Double = finiteDifferenceAbsoluteFloor, projectionSeed: UInt64 = 7,
    _ f: ([Tensor]) -> Tensor
) -> [String] {
    // Autodiff.
    for input in inputs {
        input.requiresGrad = true
        input.zeroGradient()
    }
    let output = f(inputs)
    var generator = RandomGenerator(seed: projectionSeed)
    let projection = Tensor.uniform(output.shape, low: -1, high: 1, generator: &generator)
    output.backward(seed: projection)
    let analytic = inputs.map { $0.grad?.values ?? [Float](repeating: 0, count: $0.count) }
    for input in inputs { input.zeroGradient() }

    // Finite differences, one element at a time.
    func objective() -> Double {
        let value = withoutGradients { f(inputs) }
        var total = 0.0
        for i in 0..<value.count { total += Double(value.pointer[i]) * Double(projection.pointer[i]) }
        return total
    }
    var mismatches: [String] = []
    for (inputIndex, input) in inputs.enumerated() {
        for element in 0..<input.count {
            let saved = input.pointer[element]
            let high = saved + step, low = saved - step
            input.pointer[element] = high
            let above = objective()
            input.pointer[element] = low
            let below = objective()
            input.pointer[element] = saved
            // The step actually taken, after rounding to Float.
            let numeric = (above - below) / (Double(high) - Double(low))
            let automatic = Double(analytic[inputIndex][element])
            if !(Swift.abs(automatic - numeric) <= absoluteFloor + tolerance * Swift.max(Swift.abs(automatic), Swift.abs(numeric))) {
                mismatches.append("input \(inputIndex)[\(element)]: autodiff \(automatic), finite differences \(numeric)")
            }
        }
    }
    return mismatches
}

/// Records an issue at the first element where |actual − expected| exceeds
/// `absolute + relative·|expected|` (and when the counts differ).
func expectApproximatelyEqual(
    _ actual: [Float], _ expected: [Float], absolute: Float, relative: Float, _ label: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    if let index = firstDifference(actual, expected, absolute: absolute, relative: relative) {
        let message = "\(label)\(label.isEmpty ? "" : ": ")element \(index) is \(actual[index]), "
            + "expected \(expected[index]) (tolerance \(absolute) + \(relative)·|expected|)"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }
}

/// The first index where the values differ by more than the tolerance.
func firstDifference(_ actual: [Float], _ expected: [Float], absolute: Float, relative: Float) -> Int? {
    zip(actual, expected).enumerated().first { _, pair in
        !(Swift.abs(pair.0 - pair.1) <= absolute + relative * Swift.abs(pair.1))
    }?.offset
}

/// `count` values spaced at least `spacing` apart around zero, in a shuffled
/// order: inputs for max pooling and relu with no ties or values near a kink.
func distinctValues(_ count: Int, spacing: Float = 0.05, seed: UInt64 = 3) -> [Float] {
    var generator = RandomGenerator(seed: seed)
    // (i − count/2 + 1/4)·spacing: never zero, never closer than `spacing`.
    var values = (0..<count).map { (Float($0) - Float(count) / 2 + 0.25) * spacing }
    values.shuffle(using: &generator)
    return values
}

/// A tensor of uniform values in [low, high) from a fixed seed.
func randomTensor(_ shape: [Int], _ low: Float = -1, _ high: Float = 1, seed: UInt64 = 1,
                  requiresGrad: Bool = true) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    let tensor = Tensor.uniform(shape, low: low, high: high, generator: &generator)
    tensor.requiresGrad = requiresGrad
    return tensor
}
