// One harness checks every layer the same way, as Keras' `run_layer_test`:
// build, output shape, weight names, the config round trip through
// LayerRegistry, and finite-difference gradients with respect to the input
// and every trainable weight, in inference and training mode.

import Foundation
import Testing
@testable import NeuralNet
import Tensor

/// Seed of the weights the harness builds; a layer rebuilt from its config
/// with the same seed must compute the same outputs.
let layerTestSeed: UInt64 = 17

struct LayerTestOptions {
    /// Without the batch dimension.
    var inputShape: [Int]
    var expectedOutputShape: [Int]
    /// `weights` names in Keras order, and whether each is trainable.
    var expectedWeights: [(name: String, trainable: Bool)] = []
    var batch = 2
    /// The input, shape [batch] + inputShape; random in [-1, 1) when nil.
    var input: Tensor?
    /// The training flags to check (layers that are random in training, such
    /// as Dropout, check only inference here).
    var trainingModes = [false, true]
    /// Whether the inference output must equal the input (identity layers).
    var isIdentityAtInference = false
}

/// Runs the shared layer checks on an unbuilt `layer`.
func runLayerTest(_ layer: Layer, _ options: LayerTestOptions,
                  sourceLocation: SourceLocation = #_sourceLocation) throws {
    // Build; the returned shape is what the layer computes.
    var generator = RandomGenerator(seed: layerTestSeed)
    let builtShape = try layer.build(inputShape: options.inputShape, generator: &generator)
    #expect(builtShape == options.expectedOutputShape, "\(layer.name): build's output shape",
            sourceLocation: sourceLocation)
    let weightSummary = layer.weights.map { "\($0.name)\($0.trainable ? "" : " (non-trainable)")" }
    let expectedSummary = options.expectedWeights.map { "\($0.name)\($0.trainable ? "" : " (non-trainable)")" }
    #expect(weightSummary == expectedSummary, "\(layer.name): weights", sourceLocation: sourceLocation)
    for weight in layer.weights {
        #expect(weight.value.requiresGrad == weight.trainable, "\(layer.name)/\(weight.name): requiresGrad",
                sourceLocation: sourceLocation)
    }

    let input = options.input ?? randomTensor([options.batch] + options.inputShape, seed: 5, requiresGrad: false)
    precondition(input.shape == [options.batch] + options.inputShape, "harness input has shape \(input.shape)")

    // Config round trip: the rebuilt layer has the same config and, built
    // from the same seed, computes the same outputs.
    let config = layer.config
    let rebuilt = try LayerRegistry.layer(className: layer.className, config: config)
    #expect(type(of: rebuilt) == type(of: layer), sourceLocation: sourceLocation)
    #expect(rebuilt.config == config, "\(layer.name): config after LayerRegistry round trip",
            sourceLocation: sourceLocation)
    var rebuiltGenerator = RandomGenerator(seed: layerTestSeed)
    #expect(try rebuilt.build(inputShape: options.inputShape, generator: &rebuiltGenerator) == builtShape,
            sourceLocation: sourceLocation)
    let inference = withoutGradients { layer.call(input, training: false) }
    let rebuiltInference = withoutGradients { rebuilt.call(input, training: false) }
    #expect(inference.values == rebuiltInference.values, "\(layer.name): rebuilt layer's output",
            sourceLocation: sourceLocation)
    if options.isIdentityAtInference {
        #expect(inference.values == input.values, "\(layer.name): identity at inference", sourceLocation: sourceLocation)
    }

    // Shapes and gradients in each mode.
    let trainable = layer.weights.filter(\.trainable).map(\.value)
    for training in options.trainingModes {
        let output = withoutGradients { layer.call(input, training: training) }
        #expect(output.shape == [options.batch] + builtShape, "\(layer.name): output shape (training: \(training))",
                sourceLocation: sourceLocation)
        #expect(output.values.allSatisfy { $0.isFinite }, "\(layer.name): finite outputs", sourceLocation: sourceLocation)
        let differentiable = input.copy()
        expectGradientsMatchFiniteDifferences([differentiable] + trainable, "\(layer.name) (training: \(training))",
                                              sourceLocation: sourceLocation) { tensors in
            // The weights are the layer's own tensors, perturbed in place.
            layer.call(tensors[0], training: training)
        }
    }
}
