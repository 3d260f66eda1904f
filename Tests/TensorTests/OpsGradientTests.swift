// Every elementwise, activation, reduction, linear and loss op: forward
// against hand-computed values, backward against finite differences
// (GradientCheck.swift). Convolution, pooling and batch normalization are in
// ConvolutionPoolingTests.swift; the graph mechanics are at the end.

import Foundation
import Testing
@testable import Tensor

/// Forward values computed by hand or with Python's math module (Float32 ops
/// round each step, so allow a few ulps).
let forwardTolerance: Float = 1e-6
let forwardRelativeTolerance: Float = 1e-5

private func expectValues(_ tensor: Tensor, _ expected: [Float], shape: [Int]? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    if let shape { #expect(tensor.shape == shape, sourceLocation: sourceLocation) }
    expectApproximatelyEqual(tensor.values, expected, absolute: forwardTolerance, relative: forwardRelativeTolerance,
                             sourceLocation: sourceLocation)
}

private func vector(_ values: [Float]) -> Tensor { Tensor(shape: [values.count], values: values) }

@Suite("Elementwise ops")
struct ElementwiseOpsTests {
    let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
    let b = Tensor(shape: [2, 2], values: [0.5, -1, 2, 4])

    @Test func arithmeticForward() {
        expectValues(a + b, [1.5, 1, 5, 8], shape: [2, 2])
        expectValues(a - b, [0.5, 3, 1, 0])
        expectValues(a * b, [0.5, -2, 6, 16])
        expectValues(a / b, [2, -2, 1.5, 1])
        expectValues(-a, [-1, -2, -3, -4])
    }

    @Test func scalarBroadcastForward() {
        let two = Tensor.scalar(2), twoAsVector = Tensor(shape: [1], values: [2])
        expectValues(a + two, [3, 4, 5, 6], shape: [2, 2])
        expectValues(two - a, [1, 0, -1, -2], shape: [2, 2])
        expectValues(a * twoAsVector, [2, 4, 6, 8], shape: [2, 2])
        expectValues(two / a, [2, 1, 2.0 / 3, 0.5], shape: [2, 2])
        expectValues(a / two, [0.5, 1, 1.5, 2])
        expectValues(a + 1, [2, 3, 4, 5])
        expectValues(a - 1, [0, 1, 2, 3])
        expectValues(3 * a, [3, 6, 9, 12])
        expectValues(a.scaled(by: -0.5), [-0.5, -1, -1.5, -2])
    }

    @Test func unaryForward() {
        let x = vector([0.25, 1, 4])
        expectValues(x.exp(), [1.2840254, 2.7182817, 54.59815])
        expectValues(x.log(), [-1.3862944, 0, 1.3862944])
        expectValues(x.squared(), [0.0625, 1, 16])
        expectValues(x.squareRoot(), [0.5, 1, 2])
        expectValues(vector([-2, 0, 3]).absolute(), [2, 0, 3])
        expectValues(vector([-2, 0.5, 3]).clipped(-1, 1), [-1, 0.5, 1])
    }

    @Test func sameShapeArithmeticGradients() {
        let x = randomTensor([2, 3], seed: 1), y = randomTensor([2, 3], 0.5, 2, seed: 2)
        expectGradientsMatchFiniteDifferences([x, y], "add") { $0[0] + $0[1] }
        expectGradientsMatchFiniteDifferences([x, y], "subtract") { $0[0] - $0[1] }
        expectGradientsMatchFiniteDifferences([x, y], "multiply") { $0[0] * $0[1] }
        expectGradientsMatchFiniteDifferences([x, y], "divide") { $0[0] / $0[1] }
        expectGradientsMatchFiniteDifferences([x], "negate") { -$0[0] }
    }

    @Test(arguments: [[Int](), [1]])
    func scalarBroadcastGradients(scalarShape: [Int]) {
        let x = randomTensor([2, 3], 0.5, 2, seed: 3)
        let s = Tensor(shape: scalarShape, values: [1.5], requiresGrad: true)
        expectGradientsMatchFiniteDifferences([x, s], "x + s") { $0[0] + $0[1] }
        expectGradientsMatchFiniteDifferences([x, s], "s + x") { $0[1] + $0[0] }
        expectGradientsMatchFiniteDifferences([x, s], "x - s") { $0[0] - $0[1] }
        expectGradientsMatchFiniteDifferences([x, s], "s - x") { $0[1] - $0[0] }
        expectGradientsMatchFiniteDifferences([x, s], "x * s") { $0[0] * $0[1] }
        expectGradientsMatchFiniteDifferences([x, s], "s * x") { $0[1] * $0[0] }
        expectGradientsMatchFiniteDifferences([x, s], "x / s") { $0[0] / $0[1] }
        expectGradientsMatchFiniteDifferences([x, s], "s / x") { $0[1] / $0[0] }
        // The gradient of a broadcast scalar is the sum over the broadcast.
        let total = (x + s).sum()
        total.backward()
        #expect(s.grad?.shape == scalarShape)
        #expect(s.grad?.item == 6)
    }

    @Test func floatOperandGradients() {
        let x = randomTensor([5], seed: 4)
        expectGradientsMatchFiniteDifferences([x], "scaled") { $0[0].scaled(by: -1.7) }
        expectGradientsMatchFiniteDifferences([x], "x * 3") { $0[0] * 3 }
        expectGradientsMatchFiniteDifferences([x], "x + 0.5") { $0[0] + 0.5 }
        expectGradientsMatchFiniteDifferences([x], "x - 0.5") { $0[0] - 0.5 }
    }

    @Test func unaryGradients() {
        let x = randomTensor([2, 4], -2, 2, seed: 5)
        let positive = randomTensor([2, 4], 0.3, 3, seed: 6)
        expectGradientsMatchFiniteDifferences([x], "exp") { $0[0].exp() }
        expectGradientsMatchFiniteDifferences([positive], "log") { $0[0].log() }
        expectGradientsMatchFiniteDifferences([x], "squared") { $0[0].squared() }
        expectGradientsMatchFiniteDifferences([positive], "squareRoot") { $0[0].squareRoot() }
        // Away from the kinks: |x| ≥ 0.025 > step.
        let awayFromZero = Tensor(shape: [8], values: distinctValues(8, spacing: 0.1), requiresGrad: true)
        expectGradientsMatchFiniteDifferences([awayFromZero], "absolute") { $0[0].absolute() }
        // The clip bounds ±0.2 are 0.025 from the nearest values (-0.175, 0.225).
        expectGradientsMatchFiniteDifferences([awayFromZero], "clipped") { $0[0].clipped(-0.2, 0.2) }
    }

    @Test func clippedPassesGradientOnlyInsideTheBounds() {
        let x = Tensor(shape: [3], values: [-2, 0.5, 3], requiresGrad: true)
        x.clipped(-1, 1).sum().backward()
        #expect(x.grad?.values == [0, 1, 0])
    }
}

@Suite("Activation ops")
struct ActivationOpsTests {
    let x = vector([-2, -1, 0, 1, 2])

    @Test func forwardValues() {
        expectValues(x.relu(), [0, 0, 0, 1, 2])
        expectValues(x.leakyRelu(), [-0.4, -0.2, 0, 1, 2])  // Keras 3 default slope 0.2
        expectValues(x.leakyRelu(negativeSlope: 0.01), [-0.02, -0.01, 0, 1, 2])
        expectValues(x.sigmoid(), [0.11920292, 0.26894142, 0.5, 0.7310586, 0.8807971])
        expectValues(x.tanh(), [-0.9640276, -0.7615942, 0, 0.7615942, 0.9640276])
        // 0.5·x·(1 + erf(x/√2))
        expectValues(x.gelu(), [-0.04550026, -0.15865526, 0, 0.8413447, 1.9544997])
        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        expectValues(x.gelu(approximate: true), [-0.04540231, -0.15880801, 0, 0.841192, 1.9545977])
    }

    @Test func sigmoidIsStableForLargeMagnitudes() {
        let values = vector([-100, 100]).sigmoid().values
        #expect(values[0] >= 0 && values[0] < 1e-30)
        #expect(values[1] == 1)
        #expect(values.allSatisfy { $0.isFinite })
    }

    @Test func softmaxForward() {
        let logits = Tensor(shape: [2, 3], values: [1, 2, 3, 1000, 1000, 1000])
        // The second row would overflow exp without subtracting the maximum.
        expectValues(logits.softmax(), [0.09003057, 0.24472847, 0.66524096, 1.0 / 3, 1.0 / 3, 1.0 / 3], shape: [2, 3])
    }

    @Test func gradients() {
        // Values spaced 0.3 apart, none closer than 0.075 to zero (the relu kink).
        let input = Tensor(shape: [3, 4], values: distinctValues(12, spacing: 0.3), requiresGrad: true)
        expectGradientsMatchFiniteDifferences([input], "relu") { $0[0].relu() }
        expectGradientsMatchFiniteDifferences([input], "leakyRelu") { $0[0].leakyRelu() }
        expectGradientsMatchFiniteDifferences([input], "leakyRelu 0.01") { $0[0].leakyRelu(negativeSlope: 0.01) }
        expectGradientsMatchFiniteDifferences([input], "sigmoid") { $0[0].sigmoid() }
        expectGradientsMatchFiniteDifferences([input], "tanh") { $0[0].tanh() }
        expectGradientsMatchFiniteDifferences([input], "gelu") { $0[0].gelu() }
        expectGradientsMatchFiniteDifferences([input], "gelu approximate") { $0[0].gelu(approximate: true) }
        expectGradientsMatchFiniteDifferences([input], "softmax") { $0[0].softmax() }
    }

    @Test func softmaxOverTheLastAxisOfA3DTensor() {
        let input = randomTensor([2, 2, 3], -2, 2, seed: 8)
        let output = input.softmax()
        for row in 0..<4 {
            let total = (0..<3).reduce(Float(0)) { $0 + output.pointer[row * 3 + $1] }
            #expect(Swift.abs(total - 1) < forwardTolerance)
        }
        expectGradientsMatchFiniteDifferences([input], "softmax rank 3") { $0[0].softmax() }
    }
}

@Suite("Reduction, linear and shape ops")
struct ReductionLinearShapeTests {
    @Test func reductionsForward() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        expectValues(x.sum(), [21], shape: [])
        expectValues(x.mean(), [3.5], shape: [])
        expectValues(x.meanOfLastAxis(), [2, 5], shape: [2])
        #expect(x.argmaxOfLastAxis() == [2, 2])
        #expect(Tensor(shape: [2, 3], values: [5, 5, 1, 0, 9, 9]).argmaxOfLastAxis() == [0, 1])  // first maximum wins
    }

    @Test func reductionGradients() {
        let x = randomTensor([2, 3, 2], seed: 9)
        expectGradientsMatchFiniteDifferences([x], "sum") { $0[0].sum() }
        expectGradientsMatchFiniteDifferences([x], "mean") { $0[0].mean() }
        expectGradientsMatchFiniteDifferences([x], "meanOfLastAxis") { $0[0].meanOfLastAxis() }
    }

    @Test func matmulForward() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12])
        expectValues(a.matmul(b), [58, 64, 139, 154], shape: [2, 2])
    }

    @Test func matmulGradients() {
        let a = randomTensor([3, 4], seed: 10), b = randomTensor([4, 2], seed: 11)
        expectGradientsMatchFiniteDifferences([a, b], "matmul") { $0[0].matmul($0[1]) }
        // Only one side requiring gradients.
        let constant = randomTensor([4, 2], seed: 12, requiresGrad: false)
        let product = a.matmul(constant)
        product.sum().backward()
        #expect(constant.grad == nil)
        #expect(a.grad?.shape == [3, 4])
    }

    @Test func addingBias() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        expectValues(x.addingBias(vector([10, 20, 30])), [11, 22, 33, 14, 25, 36], shape: [2, 3])
        let input = randomTensor([2, 2, 3], seed: 13), bias = randomTensor([3], seed: 14)
        expectGradientsMatchFiniteDifferences([input, bias], "addingBias") { $0[0].addingBias($0[1]) }
    }

    @Test func reshaped() {
        let x = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let y = x.reshaped([3, -1])
        #expect(y.shape == [3, 2])
        #expect(y.values == x.values)
        #expect(x.reshaped([6]).shape == [6])
        let input = randomTensor([2, 3], seed: 15)
        expectGradientsMatchFiniteDifferences([input], "reshaped") { $0[0].reshaped([-1, 2]).squared() }
    }

    @Test func gatherRows() {
        let x = Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        let rows = x.gatherRows([2, 0][...])
        #expect(rows.shape == [2, 2])
        #expect(rows.values == [5, 6, 1, 2])
    }
}

@Suite("Cross-entropy ops")
struct CrossEntropyOpsTests {
    // softmax([1, 2, 3]) = [0.09003057, 0.24472847, 0.66524096]
    let logits = Tensor(shape: [2, 3], values: [1, 2, 3, 3, 2, 1])

    @Test func fromLogitsForward() {
        // Row 0 label 2: −log 0.66524096; row 1 label 1: −log 0.24472847.
        let expected = (0.40760596 + 1.40760596) / 2.0
        expectValues(logits.sparseSoftmaxCrossEntropy(labels: [2, 1]), [Float(expected)], shape: [])
        let oneHot = Tensor(shape: [2, 3], values: [0, 0, 1, 0, 1, 0])
        expectValues(logits.softmaxCrossEntropy(targets: oneHot), [Float(expected)], shape: [])
        // sigmoid cross-entropy: at logit 0 it is log 2 whatever the target.
        let binary = Tensor(shape: [2], values: [0, 2]).sigmoidBinaryCrossEntropy(targets: vector([1, 0]))
        // log 2 and −log(1 − σ(2)) = log(1 + e²) = 2.126928
        expectValues(binary, [Float((0.6931472 + 2.126928) / 2)], shape: [])
    }

    @Test func fromLogitsIsStableForExtremeLogits() {
        let extreme = Tensor(shape: [1, 2], values: [-200, 200])
        #expect(extreme.sparseSoftmaxCrossEntropy(labels: [1]).item == 0)
        #expect(Swift.abs(extreme.sparseSoftmaxCrossEntropy(labels: [0]).item - 400) < 1e-3)
        #expect(vector([-200, 200]).sigmoidBinaryCrossEntropy(targets: vector([1, 0])).item.isFinite)
    }

    @Test func probabilityForward() {
        let probabilities = Tensor(shape: [2, 3], values: [0.2, 0.3, 0.5, 0.1, 0.6, 0.3])
        let expected = Float(-(Foundation.log(0.5) + Foundation.log(0.6)) / 2)
        expectValues(probabilities.sparseCategoricalCrossentropy(labels: [2, 1]), [expected], shape: [])
        let oneHot = Tensor(shape: [2, 3], values: [0, 0, 1, 0, 1, 0])
        expectValues(probabilities.categoricalCrossentropy(targets: oneHot), [expected], shape: [])
        // Keras renormalizes rows that do not sum to one.
        let unnormalized = Tensor(shape: [1, 2], values: [1, 3])
        expectValues(unnormalized.sparseCategoricalCrossentropy(labels: [1]), [-Foundation.log(0.75)])
        // Binary: mean of −log 0.8 and −log(1 − 0.4).
        let binary = vector([0.8, 0.4]).binaryCrossentropy(targets: vector([1, 0]))
        expectValues(binary, [Float((0.22314355 + 0.51082562) / 2)], shape: [])
    }

    @Test func probabilityLossesClipAtKerasEpsilon() {
        // A zero probability for the true class costs −log ε, not infinity.
        let loss = Tensor(shape: [1, 2], values: [1, 0]).sparseCategoricalCrossentropy(labels: [1]).item
        #expect(Swift.abs(loss - (-Foundation.log(Tensor.lossEpsilon))) < 1e-3)
        #expect(vector([0]).binaryCrossentropy(targets: vector([1])).item.isFinite)
    }

    @Test func fromLogitsGradients() {
        let input = randomTensor([3, 4], -2, 2, seed: 16)
        expectGradientsMatchFiniteDifferences([input], "sparseSoftmaxCrossEntropy") {
            $0[0].sparseSoftmaxCrossEntropy(labels: [3, 0, 1])
        }
        // Soft targets whose rows do not sum to one exercise the general formula.
        let targets = randomTensor([3, 4], 0, 1, seed: 17, requiresGrad: false)
        expectGradientsMatchFiniteDifferences([input], "softmaxCrossEntropy") {
            $0[0].softmaxCrossEntropy(targets: targets)
        }
        let binaryTargets = randomTensor([3, 4], 0, 1, seed: 18, requiresGrad: false)
        expectGradientsMatchFiniteDifferences([input], "sigmoidBinaryCrossEntropy") {
            $0[0].sigmoidBinaryCrossEntropy(targets: binaryTargets)
        }
    }

    @Test func probabilityGradients() {
        // Probabilities away from the clip at ε and 1 − ε.
        let probabilities = randomTensor([3, 4], 0.1, 0.9, seed: 19)
        expectGradientsMatchFiniteDifferences([probabilities], "sparseCategoricalCrossentropy") {
            $0[0].sparseCategoricalCrossentropy(labels: [1, 3, 0])
        }
        let targets = randomTensor([3, 4], 0, 1, seed: 20, requiresGrad: false)
        expectGradientsMatchFiniteDifferences([probabilities], "categoricalCrossentropy") {
            $0[0].categoricalCrossentropy(targets: targets)
        }
        expectGradientsMatchFiniteDifferences([probabilities], "binaryCrossentropy") {
            $0[0].binaryCrossentropy(targets: targets)
        }
    }

    @Test func fusedAndProbabilityFormsAgree() {
        let input = randomTensor([4, 5], -3, 3, seed: 21, requiresGrad: false)
        let labels: [Int32] = [0, 4, 2, 2]
        let fused = input.sparseSoftmaxCrossEntropy(labels: labels).item
        let unfused = input.softmax().sparseCategoricalCrossentropy(labels: labels).item
        #expect(Swift.abs(fused - unfused) < 1e-5)
        let targets = randomTensor([4, 5], 0, 1, seed: 22, requiresGrad: false)
        let fusedBinary = input.sigmoidBinaryCrossEntropy(targets: targets).item
        let unfusedBinary = input.sigmoid().binaryCrossentropy(targets: targets).item
        #expect(Swift.abs(fusedBinary - unfusedBinary) < 1e-5)
    }
}

@Suite("Autodiff graph")
struct AutodiffGraphTests {
    @Test func diamondGraphAccumulatesBothPaths() {
        // y = Σ (x·x + x) uses x three times: dy/dx = 2x + 1.
        let x = Tensor(shape: [3], values: [1, -2, 0.5], requiresGrad: true)
        (x * x + x).sum().backward()
        #expect(x.grad?.values == [3, -3, 2])
        // An intermediate used twice: e = exp(x), y = Σ e·e + Σ e → dy/dx = 2e² + e.
        let input = randomTensor([4], seed: 23)
        expectGradientsMatchFiniteDifferences([input], "diamond") { tensors in
            let e = tensors[0].exp()
            return (e * e).sum() + e.sum()
        }
    }

    @Test func leafGradientsAccumulateUntilZeroed() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        x.squared().sum().backward()
        x.squared().sum().backward()
        #expect(x.grad?.values == [4, 8])
        x.zeroGradient()
        #expect(x.grad == nil)
    }

    @Test func gradientsReachOnlyTensorsThatRequireThem() {
        let weight = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let data = Tensor(shape: [2], values: [3, 4])
        let loss = (weight * data).sum()
        #expect(loss.requiresGrad)
        loss.backward()
        #expect(weight.grad?.values == [3, 4])
        #expect(data.grad == nil)
    }

    @Test func explicitSeedIsTheUpstreamGradient() {
        let x = Tensor(shape: [2, 2], values: [1, 2, 3, 4], requiresGrad: true)
        x.scaled(by: 3).backward(seed: Tensor(shape: [2, 2], values: [1, 0, -1, 2]))
        #expect(x.grad?.values == [3, 0, -3, 6])
    }

    @Test func withoutGradientsRecordsNothing() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let inside = withoutGradients { (x * x).exp().sum() }
        #expect(!inside.requiresGrad)
        #expect(inside.node == nil)
        // Recording resumes afterwards.
        let outside = (x * x).sum()
        #expect(outside.requiresGrad)
        #expect(outside.node != nil)
    }

    @Test func deepChainsDoNotOverflowTheStack() {
        // backward walks the graph iteratively; 20,000 ops deep is fine.
        let x = Tensor(shape: [1], values: [1], requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = y + 0.0 }
        y.sum().backward()
        #expect(x.grad?.values == [1])
    }
}
