// Golden values produced once by Keras 3 (TensorFlow backend), see
// bench/golden/make_keras_fixtures.py: every layer case forward and backward
// with the fixture's weights, input and upstream gradient, and one full Adam
// step of the seed CNN with formula-defined weights and data.

import Foundation
import Testing
@testable import NeuralNet
import Tensor

/// Layer outputs and gradients against Keras: different summation orders in
/// Float32 (TensorFlow's Eigen kernels vs im2col + OpenBLAS).
let goldenAbsoluteTolerance: Float = 1e-5
let goldenRelativeTolerance: Float = 1e-4

/// The seed CNN step: losses and probabilities, gradients, and weights after
/// Adam. Gradients of the 5408×128 kernel are compared through their sum and
/// sum of squares (accumulated in Double) and their first 64 values.
let seedStepLossTolerance: Float = 1e-5
let seedStepGradientAbsoluteTolerance: Float = 1e-6
let seedStepGradientRelativeTolerance: Float = 1e-3
let seedStepSumRelativeTolerance: Double = 1e-4

func fixtureURL(_ name: String) -> URL {
    Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
}

func loadFixture(_ name: String) throws -> JSONValue {
    try JSONValue.parse(Data(contentsOf: fixtureURL(name)))
}

extension JSONValue {
    var floats: [Float] { (array ?? []).map { Float($0.number ?? .nan) } }
    var ints: [Int] { (array ?? []).compactMap(\.int) }
}

/// One case of layers_golden.json.
struct GoldenLayerCase: CustomTestStringConvertible, Sendable {
    let name: String
    let json: JSONValue
    var testDescription: String { name }

    static let all: [GoldenLayerCase] = {
        guard let cases = try? loadFixture("layers_golden.json")["cases"]?.array else { return [] }
        return cases.map { GoldenLayerCase(name: $0["name"]?.string ?? "?", json: $0) }
    }()
}

@Suite("Keras golden values")
struct KerasGoldenTests {
    @Test func fixturesArePresent() throws {
        #expect(GoldenLayerCase.all.count == 23)
        let generator = try loadFixture("generator.json")
        #expect(generator["generator"]?["keras"]?.string?.hasPrefix("3.") == true)
    }

    @Test(arguments: GoldenLayerCase.all)
    func layerMatchesKeras(_ golden: GoldenLayerCase) throws {
        let json = golden.json
        let className = try #require(json["layer"]?["class_name"]?.string)
        let config = try #require(json["layer"]?["config"]?.object)
        let layer = try LayerRegistry.layer(className: className, config: config)
        let inputShape = json["input_shape"]!.ints
        var generator = RandomGenerator(seed: 0)
        let outputShape = try layer.build(inputShape: Array(inputShape.dropFirst()), generator: &generator)
        #expect([inputShape[0]] + outputShape == json["output_shape"]!.ints)

        // The fixture's weights, by Keras name.
        for entry in json["weights"]?.array ?? [] {
            let name = try #require(entry["name"]?.string)
            let weight = try #require(layer.weights.first { $0.name == name }, "layer has no weight \(name)")
            #expect(weight.value.shape == entry["shape"]!.ints, "\(name) shape")
            let values = entry["data"]!.floats
            weight.value.pointer.update(from: values, count: values.count)
        }

        // Forward.
        let input = Tensor(shape: inputShape, values: json["input"]!.floats, requiresGrad: true)
        let training = json["training"]?.bool ?? false
        let output = layer.call(input, training: training)
        #expect(output.shape == json["output_shape"]!.ints)
        expectApproximatelyEqual(output.values, json["output"]!.floats, absolute: goldenAbsoluteTolerance,
                                 relative: goldenRelativeTolerance, "\(golden.name) output")

        // Backward with Keras' upstream gradient.
        output.backward(seed: Tensor(shape: output.shape, values: json["upstream"]!.floats))
        expectApproximatelyEqual(input.grad?.values ?? [], json["grad_input"]!.floats, absolute: goldenAbsoluteTolerance,
                                 relative: goldenRelativeTolerance, "\(golden.name) grad_input")
        let gradients = json["grad_weights"]?.array ?? []
        #expect(gradients.count == layer.weights.filter(\.trainable).count)
        for entry in gradients {
            let name = try #require(entry["name"]?.string)
            let weight = try #require(layer.weights.first { $0.name == name })
            expectApproximatelyEqual(weight.value.grad?.values ?? [], entry["data"]!.floats,
                                     absolute: goldenAbsoluteTolerance, relative: goldenRelativeTolerance,
                                     "\(golden.name) grad \(name)")
        }

        // Batch normalization in training updates its moving statistics.
        if let updated = json["updated_moving"] {
            let batchNormalization = try #require(layer as? BatchNormalization)
            #expect(Double(batchNormalization.momentum) == updated["momentum"]?.number.map { Double(Float($0)) })
            for name in ["moving_mean", "moving_variance"] {
                let weight = try #require(layer.weights.first { $0.name == name })
                expectApproximatelyEqual(weight.value.values, updated[name]!.floats, absolute: goldenAbsoluteTolerance,
                                         relative: goldenRelativeTolerance, "\(golden.name) \(name)")
            }
        }
    }
}

// MARK: - seed CNN step

@Suite("Keras golden seed CNN step")
struct SeedCNNStepTests {
    /// The Keras 3 seed CNN with the fixture's formula weights.
    static func seedModel() throws -> Sequential {
        let spec = try ModelSpec(json: Data(contentsOf: fixtureURL("keras3_seed_cnn.json")), source: "keras3_seed_cnn.json")
        let model = try spec.build(seed: 0)
        for (k, entry) in model.namedWeights.enumerated() {
            let value = entry.weight.value
            if value.rank > 1 {
                // w[i] = sin(0.37·i + k) / √fan_in, fan_in = every dimension but the last.
                let fanIn = Double(value.shape.dropLast().reduce(1, *))
                for i in 0..<value.count { value.pointer[i] = Float(sin(0.37 * Double(i) + Double(k)) / fanIn.squareRoot()) }
            } else {
                // b[i] = 0.01·sin(i + k)
                for i in 0..<value.count { value.pointer[i] = Float(0.01 * sin(Double(i) + Double(k))) }
            }
        }
        return model
    }

    /// 32 images x[b, p] = ((131·b + 71·p) mod 256) / 255 and labels y[b] = 7·b mod 10.
    static func seedBatch() -> Trainer.Data {
        let inputs = Tensor(uninitializedShape: [32, 28, 28, 1])
        for b in 0..<32 {
            for p in 0..<784 { inputs.pointer[b * 784 + p] = Float(Double((b * 131 + p * 71) % 256) / 255.0) }
        }
        let labels = Tensor(shape: [32], values: (0..<32).map { Float(($0 * 7) % 10) })
        return Trainer.Data(inputs: inputs, targets: labels)
    }

    @Test func oneAdamStepMatchesKeras() throws {
        let golden = try loadFixture("seed_cnn_step.json")
        let model = try Self.seedModel()
        let batch = Self.seedBatch()
        let names = model.namedWeights.map(\.name)
        #expect(names == ["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"])
        let weights = model.namedWeights.map(\.weight.value)

        // Forward and loss.
        let (loss, probabilities) = Loss.sparseCategoricalCrossentropy.evaluate(
            model: model, input: batch.inputs, targets: batch.targets, training: true)
        #expect(Swift.abs(loss.item - Float(golden["loss_before"]!.number!)) < seedStepLossTolerance,
                "loss \(loss.item) vs Keras \(golden["loss_before"]!.number!)")
        expectApproximatelyEqual(Array(probabilities.values.prefix(10)), golden["probs_first_sample"]!.floats,
                                 absolute: seedStepLossTolerance, relative: 0, "probabilities of sample 0")

        // Gradients.
        loss.backward()
        func expectGradient(_ index: Int, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) {
            expectApproximatelyEqual(weights[index].grad?.values ?? [], golden[key]!.floats,
                                     absolute: seedStepGradientAbsoluteTolerance,
                                     relative: seedStepGradientRelativeTolerance, key, sourceLocation: sourceLocation)
        }
        expectGradient(0, "grad_conv_kernel")
        expectGradient(1, "grad_conv_bias")
        expectGradient(3, "grad_dense1_bias")
        expectGradient(4, "grad_dense2_kernel")
        expectGradient(5, "grad_dense2_bias")
        let dense1 = try #require(weights[2].grad?.values)
        let statistics = golden["grad_dense1_kernel_stats"]!
        let sum = dense1.reduce(0.0) { $0 + Double($1) }
        let sumOfSquares = dense1.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(Swift.abs(sum - statistics["sum"]!.number!) <= seedStepSumRelativeTolerance * Swift.abs(statistics["sum"]!.number!),
                "Σ dense kernel gradient \(sum) vs Keras \(statistics["sum"]!.number!)")
        #expect(Swift.abs(sumOfSquares - statistics["sum_squares"]!.number!)
                <= seedStepSumRelativeTolerance * statistics["sum_squares"]!.number!)
        expectApproximatelyEqual(Array(dense1.prefix(64)), statistics["first64"]!.floats,
                                 absolute: seedStepGradientAbsoluteTolerance, relative: seedStepGradientRelativeTolerance,
                                 "dense kernel gradient, first 64")

        // One Adam step (t = 1).
        Adam(learningRate: 0.001).apply(to: model.trainableWeights)
        let after = golden["after_step"]!
        expectApproximatelyEqual(weights[0].values, after["conv_kernel"]!.floats, absolute: seedStepLossTolerance,
                                 relative: 0, "conv kernel after the step")
        expectApproximatelyEqual(weights[5].values, after["dense2_bias"]!.floats, absolute: seedStepLossTolerance,
                                 relative: 0, "dense_1 bias after the step")
        expectApproximatelyEqual(Array(weights[2].values.prefix(64)), after["dense1_kernel_first64"]!.floats,
                                 absolute: seedStepLossTolerance, relative: 0, "dense kernel after the step, first 64")
        let kernelSum = weights[2].values.reduce(0.0) { $0 + Double($1) }
        #expect(Swift.abs(kernelSum - after["dense1_kernel_sum"]!.number!) < 1e-3,
                "Σ dense kernel after the step \(kernelSum) vs Keras \(after["dense1_kernel_sum"]!.number!)")

        // The loss after the step.
        let (lossAfter, _) = Loss.sparseCategoricalCrossentropy.evaluate(
            model: model, input: batch.inputs, targets: batch.targets, training: true)
        #expect(Swift.abs(lossAfter.item - Float(golden["loss_after"]!.number!)) < seedStepLossTolerance,
                "loss after the step \(lossAfter.item) vs Keras \(golden["loss_after"]!.number!)")
    }
}
