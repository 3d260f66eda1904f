// Every layer through the shared harness (LayerHarness.swift), plus what the
// harness cannot check generically: Dropout's random mask, BatchNormalization's
// moving statistics, and layer-specific shape errors.

import Foundation
import Testing
@testable import NeuralNet
import Tensor

private let trainableKernelAndBias: [(name: String, trainable: Bool)] = [("kernel", true), ("bias", true)]

/// Inputs with no ties and none near zero, for max pooling and relu.
private func distinctInput(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, values: distinctValues(shape.reduce(1, *)))
}

@Suite("Layers")
struct LayerTests {
    @Test(arguments: Activation.allCases)
    func dense(activation: Activation) throws {
        try runLayerTest(Dense(units: 3, activation: activation, biasInitializer: .randomUniform(-0.5, 0.5)),
                         LayerTestOptions(inputShape: [4], expectedOutputShape: [3], expectedWeights: trainableKernelAndBias))
    }

    @Test func denseOnTheLastAxisOfARank3Input() throws {
        try runLayerTest(Dense(units: 2, activation: .tanh),
                         LayerTestOptions(inputShape: [3, 4], expectedOutputShape: [3, 2],
                                          expectedWeights: trainableKernelAndBias))
    }

    @Test func denseWithoutBias() throws {
        try runLayerTest(Dense(units: 2, useBias: false, kernelInitializer: .heNormal),
                         LayerTestOptions(inputShape: [5], expectedOutputShape: [2], expectedWeights: [("kernel", true)]))
    }

    @Test(arguments: [
        (Padding.valid, 1, [4, 2, 3]), (.same, 1, [5, 4, 3]), (.same, 2, [3, 2, 3]), (.valid, 2, [2, 1, 3]),
    ])
    func conv2D(padding: Padding, stride: Int, expectedShape: [Int]) throws {
        let layer = Conv2D(filters: 3, kernelSize: (2, 3), strides: (stride, stride), padding: padding,
                           activation: .relu, biasInitializer: .randomUniform(-0.2, 0.2))
        try runLayerTest(layer, LayerTestOptions(inputShape: [5, 4, 2], expectedOutputShape: expectedShape,
                                                 expectedWeights: trainableKernelAndBias))
    }

    @Test func conv2DWithAsymmetricStridesAndNoBias() throws {
        let layer = Conv2D(filters: 2, kernelSize: (3, 3), strides: (2, 1), useBias: false)
        try runLayerTest(layer, LayerTestOptions(inputShape: [7, 5, 2], expectedOutputShape: [3, 3, 2],
                                                 expectedWeights: [("kernel", true)]))
    }

    @Test(arguments: [
        ((2, 2), nil, Padding.valid, [2, 2, 2]), ((2, 2), nil, .same, [3, 3, 2]),
        ((3, 3), (1, 1), .valid, [3, 3, 2]), ((3, 3), (2, 2), .same, [3, 3, 2]),
    ] as [((Int, Int), (Int, Int)?, Padding, [Int])])
    func pooling(pool: (Int, Int), strides: (Int, Int)?, padding: Padding, expectedShape: [Int]) throws {
        let options = LayerTestOptions(inputShape: [5, 5, 2], expectedOutputShape: expectedShape,
                                       input: distinctInput([2, 5, 5, 2]))
        try runLayerTest(MaxPooling2D(poolSize: pool, strides: strides, padding: padding), options)
        try runLayerTest(AveragePooling2D(poolSize: pool, strides: strides, padding: padding), options)
    }

    @Test func flatten() throws {
        try runLayerTest(Flatten(), LayerTestOptions(inputShape: [3, 2, 2], expectedOutputShape: [12]))
    }

    @Test func reshape() throws {
        try runLayerTest(Reshape(targetShape: [-1, 2]), LayerTestOptions(inputShape: [3, 4], expectedOutputShape: [6, 2]))
        try runLayerTest(Reshape(targetShape: [2, 3, 2]), LayerTestOptions(inputShape: [12], expectedOutputShape: [2, 3, 2]))
    }

    @Test func dropoutIsTheIdentityAtInference() throws {
        try runLayerTest(Dropout(rate: 0.4), LayerTestOptions(inputShape: [6], expectedOutputShape: [6],
                                                              trainingModes: [false], isIdentityAtInference: true))
    }

    @Test(arguments: [true, false])
    func batchNormalization(scaleAndCenter: Bool) throws {
        let layer = scaleAndCenter
            ? BatchNormalization(momentum: 0.9, epsilon: 0.01, gammaInitializer: .randomUniform(0.5, 1.5),
                                 betaInitializer: .randomUniform(-0.5, 0.5),
                                 movingMeanInitializer: .randomUniform(-0.5, 0.5),
                                 movingVarianceInitializer: .randomUniform(0.5, 2))
            : BatchNormalization(center: false, scale: false)
        let weights: [(name: String, trainable: Bool)] = (scaleAndCenter ? [("gamma", true), ("beta", true)] : [])
            + [("moving_mean", false), ("moving_variance", false)]
        try runLayerTest(layer, LayerTestOptions(inputShape: [2, 2, 3], expectedOutputShape: [2, 2, 3],
                                                 expectedWeights: weights, batch: 3))
    }

    @Test(arguments: Activation.allCases)
    func activationLayer(activation: Activation) throws {
        try runLayerTest(ActivationLayer(activation),
                         LayerTestOptions(inputShape: [2, 3], expectedOutputShape: [2, 3], input: distinctInput([2, 2, 3])))
    }

    @Test func rescaling() throws {
        try runLayerTest(Rescaling(scale: 1.0 / 255), LayerTestOptions(inputShape: [3, 3, 1], expectedOutputShape: [3, 3, 1]))
        try runLayerTest(Rescaling(scale: 2, offset: -1), LayerTestOptions(inputShape: [4], expectedOutputShape: [4]))
    }

    @Test func inputLayer() throws {
        try runLayerTest(InputLayer(shape: [4, 2]), LayerTestOptions(inputShape: [4, 2], expectedOutputShape: [4, 2],
                                                                    isIdentityAtInference: true))
    }
}

@Suite("Layer specifics")
struct LayerSpecificsTests {
    @Test func dropoutMaskFractionAndScaling() throws {
        let rate: Float = 0.3
        let layer = Dropout(rate: rate)
        var generator = RandomGenerator(seed: 1)
        _ = try layer.build(inputShape: [10_000], generator: &generator)
        let input = Tensor.filled([1, 10_000], with: 1)
        input.requiresGrad = true
        let output = layer.call(input, training: true)
        let dropped = output.values.filter { $0 == 0 }.count
        // Binomial(10,000, 0.3): standard deviation ≈ 46 drops; allow 5.
        #expect(Swift.abs(Float(dropped) / 10_000 - rate) < 0.023)
        #expect(output.values.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / (1 - rate)) < 1e-6 })
        // The gradient is the same mask.
        output.backward(seed: Tensor.filled([1, 10_000], with: 1))
        #expect(input.grad?.values == output.values)
        // A fresh mask on every call.
        #expect(layer.call(input, training: true).values != output.values)
    }

    @Test func dropoutMasksFollowTheBuildSeed() throws {
        func masks(seed: UInt64) throws -> [Float] {
            let layer = Dropout(rate: 0.5)
            var generator = RandomGenerator(seed: seed)
            _ = try layer.build(inputShape: [64], generator: &generator)
            return layer.call(Tensor.filled([1, 64], with: 1), training: true).values
        }
        #expect(try masks(seed: 3) == masks(seed: 3))
        #expect(try masks(seed: 3) != masks(seed: 4))
    }

    @Test func batchNormalizationUpdatesMovingStatisticsOnlyInTraining() throws {
        let layer = BatchNormalization(momentum: 0.9)
        var generator = RandomGenerator(seed: 1)
        _ = try layer.build(inputShape: [2], generator: &generator)
        let input = Tensor(shape: [4, 2], values: [1, 10, 2, 20, 3, 30, 4, 40])
        _ = layer.call(input, training: false)
        #expect(layer.movingMean?.value.values == [0, 0])
        _ = layer.call(input, training: true)
        // moving = 0.9·moving + 0.1·batch, with the biased batch variance.
        expectApproximatelyEqual(layer.movingMean!.value.values, [0.25, 2.5], absolute: 1e-6, relative: 1e-6)
        expectApproximatelyEqual(layer.movingVariance!.value.values, [0.9 + 0.125, 0.9 + 12.5], absolute: 1e-6,
                                 relative: 1e-6)
    }

    @Test func layersRefuseShapesTheyCannotTake() {
        var generator = RandomGenerator(seed: 1)
        #expect(throws: NeuralNetError.self) {
            try Conv2D(filters: 1, kernelSize: (3, 3)).build(inputShape: [2, 2, 1], generator: &generator)
        }
        #expect(throws: NeuralNetError.self) {
            try Conv2D(filters: 1, kernelSize: (3, 3)).build(inputShape: [8, 1], generator: &generator)
        }
        #expect(throws: NeuralNetError.self) {
            try MaxPooling2D(poolSize: (3, 3)).build(inputShape: [2, 2, 1], generator: &generator)
        }
        #expect(throws: NeuralNetError.self) {
            try Reshape(targetShape: [5, -1]).build(inputShape: [12], generator: &generator)
        }
        #expect(throws: NeuralNetError.self) {
            try InputLayer(shape: [3]).build(inputShape: [4], generator: &generator)
        }
    }
}
