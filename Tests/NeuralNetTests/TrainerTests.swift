// Optimizers against Keras 3's update rules computed by hand in Double, and
// Trainer.fit/evaluate: determinism, validation_split, callbacks.

import Foundation
import Testing
@testable import NeuralNet
import Tensor

/// Float32 optimizer arithmetic against the same rule in Double.
let optimizerTolerance: Float = 1e-6

// MARK: - optimizers

/// Gradients of the three steps, for a weight of two elements.
private let stepGradients: [[Double]] = [[0.5, -1], [0.2, 0.3], [-0.4, 0.1]]
private let initialWeight: [Double] = [1, -2]

/// Runs three steps of `optimizer` on a weight whose gradient is set through
/// backward of Σ w·g, and returns the weight after each step.
private func steps(_ optimizer: Optimizer) -> [[Float]] {
    let weight = Weight(name: "kernel", value: Tensor(shape: [2], values: initialWeight.map(Float.init)))
    return stepGradients.map { gradient in
        (weight.value * Tensor(shape: [2], values: gradient.map(Float.init))).sum().backward()
        optimizer.apply(to: [weight])
        #expect(weight.value.grad == nil, "apply clears the gradient")
        return weight.value.values
    }
}

/// The same three steps of a per-element rule in Double.
private func expected(_ rule: (_ step: Int, _ w: inout Double, _ g: Double, _ state: inout [Double]) -> Void) -> [[Float]] {
    var weights = initialWeight
    var states = [[Double]](repeating: [0, 0], count: 2)
    return stepGradients.enumerated().map { step, gradient in
        for i in 0..<2 { rule(step + 1, &weights[i], gradient[i], &states[i]) }
        return weights.map(Float.init)
    }
}

private func expectSteps(_ actual: [[Float]], _ expected: [[Float]], sourceLocation: SourceLocation = #_sourceLocation) {
    for (step, (a, e)) in zip(actual, expected).enumerated() {
        expectApproximatelyEqual(a, e, absolute: optimizerTolerance, relative: optimizerTolerance, "step \(step + 1)",
                                 sourceLocation: sourceLocation)
    }
}

@Suite("Optimizers")
struct OptimizerTests {
    @Test func sgd() {
        expectSteps(steps(SGD(learningRate: 0.1)), expected { _, w, g, _ in w -= 0.1 * g })
    }

    @Test func sgdWithMomentum() {
        // m ← μ·m − lr·g; w ← w + m
        expectSteps(steps(SGD(learningRate: 0.1, momentum: 0.9)), expected { _, w, g, s in
            s[0] = 0.9 * s[0] - 0.1 * g
            w += s[0]
        })
    }

    @Test func sgdWithNesterovMomentum() {
        // m ← μ·m − lr·g; w ← w + μ·m − lr·g
        expectSteps(steps(SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)), expected { _, w, g, s in
            s[0] = 0.9 * s[0] - 0.1 * g
            w += 0.9 * s[0] - 0.1 * g
        })
    }

    /// Keras 3 Adam: α = lr·√(1−β2ᵗ)/(1−β1ᵗ), m ← m + (g−m)(1−β1),
    /// v ← v + (g²−v)(1−β2), w ← w − α·m/(√v + ε); AdamW first w ← w − w·λ·lr.
    private func adamRule(learningRate: Double, weightDecay: Double) -> (Int, inout Double, Double, inout [Double]) -> Void {
        { t, w, g, s in
            let (beta1, beta2, epsilon) = (0.9, 0.999, 1e-7)
            w -= w * weightDecay * learningRate
            let alpha = learningRate * (1 - pow(beta2, Double(t))).squareRoot() / (1 - pow(beta1, Double(t)))
            s[0] += (g - s[0]) * (1 - beta1)
            s[1] += (g * g - s[1]) * (1 - beta2)
            w -= alpha * s[0] / (s[1].squareRoot() + epsilon)
        }
    }

    @Test func adam() {
        expectSteps(steps(Adam(learningRate: 0.01)), expected(adamRule(learningRate: 0.01, weightDecay: 0)))
    }

    @Test func adamW() throws {
        expectSteps(steps(Adam(learningRate: 0.01, weightDecay: 0.004)), expected(adamRule(learningRate: 0.01, weightDecay: 0.004)))
        // The factory's "adamw" is Keras' AdamW with its default decay 0.004.
        let factory = try OptimizerFactory.make("adamw", learningRate: 0.01)
        expectSteps(steps(factory), expected(adamRule(learningRate: 0.01, weightDecay: 0.004)))
    }

    @Test func rmsprop() {
        // v ← ρ·v + (1−ρ)·g²; w ← w − lr·g/√(v + ε)
        expectSteps(steps(RMSprop(learningRate: 0.01)), expected { _, w, g, s in
            s[0] = 0.9 * s[0] + 0.1 * g * g
            w -= 0.01 * g / (s[0] + 1e-7).squareRoot()
        })
    }

    @Test func rmspropWithMomentum() {
        // m ← μ·m + lr·g/√(v + ε); w ← w − m
        expectSteps(steps(RMSprop(learningRate: 0.01, momentum: 0.5)), expected { _, w, g, s in
            s[0] = 0.9 * s[0] + 0.1 * g * g
            s[1] = 0.5 * s[1] + 0.01 * g / (s[0] + 1e-7).squareRoot()
            w -= s[1]
        })
    }

    @Test func weightsWithoutGradientsAreLeftAlone() {
        let still = Weight(name: "bias", value: Tensor(shape: [2], values: [1, 2]))
        let optimizer = Adam()
        optimizer.apply(to: [still])
        #expect(still.value.values == [1, 2])
        #expect(optimizer.iterations == 1)
    }

    @Test func factoryDefaultsAndUnknownNames() throws {
        #expect(try OptimizerFactory.make("SGD", learningRate: nil).learningRate == 0.01)
        #expect(try OptimizerFactory.make("adam", learningRate: nil).learningRate == 0.001)
        #expect(try OptimizerFactory.make("rmsprop", learningRate: 0.5).learningRate == 0.5)
        let message = errorDescription { _ = try OptimizerFactory.make("adagrad", learningRate: nil) }
        #expect(message?.contains("'adagrad'") == true)
        #expect(message?.contains("rmsprop") == true)
    }
}

// MARK: - fit and evaluate

/// 40 samples of 4 features in 3 classes (the class is the largest of the first three features).
private func classificationData(count: Int = 40, flipped: Bool = false) -> Trainer.Data {
    let inputs = randomTensor([count, 4], -1, 1, seed: 77, requiresGrad: false)
    let labels = (0..<count).map { row -> Float in
        let best = (0..<3).max { inputs.pointer[row * 4 + $0] < inputs.pointer[row * 4 + $1] }!
        return Float(flipped ? (best + 1) % 3 : best)
    }
    return Trainer.Data(inputs: inputs, targets: Tensor(shape: [count], values: labels))
}

private func makeTrainer(seed: UInt64 = 1, learningRate: Float = 0.05) throws -> Trainer {
    let model = try Sequential(inputShape: [4], layers: [Dense(units: 8, activation: .relu), Dropout(rate: 0.2),
                                                         Dense(units: 3, activation: .softmax)], seed: seed)
    return Trainer(model: model, loss: .sparseCategoricalCrossentropy, optimizer: Adam(learningRate: learningRate),
                   metrics: [.accuracy])
}

/// Records what the callbacks see.
private final class Recorder: Callback {
    var trainingSamples: Int?
    var epochWeights: [[[Float]]] = []
    var batches = 0
    var ended = false
    func trainingBegan(_ context: TrainingContext) { trainingSamples = context.samples }
    func batchEnded(_ step: Int, logs: [String: Double], _ context: TrainingContext) { batches += 1 }
    func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) {
        epochWeights.append(context.trainer.model.namedWeights.map(\.weight.value.values))
    }
    func trainingEnded(_ context: TrainingContext) { ended = true }
}

private func logs(_ history: History) -> [[String: Double]] { history.epochs.map(\.logs) }

@Suite("Trainer")
struct TrainerTests {
    @Test func fitIsDeterministic() throws {
        let data = classificationData()
        let first = try makeTrainer(), second = try makeTrainer()
        let firstHistory = try first.fit(data, epochs: 3, batchSize: 8, seed: 5)
        let secondHistory = try second.fit(data, epochs: 3, batchSize: 8, seed: 5)
        #expect(first.model.namedWeights.map(\.weight.value.values) == second.model.namedWeights.map(\.weight.value.values))
        #expect(logs(firstHistory) == logs(secondHistory))
        // Another shuffle seed trains differently.
        let third = try makeTrainer()
        try third.fit(data, epochs: 3, batchSize: 8, seed: 6)
        #expect(third.model.namedWeights.map(\.weight.value.values) != first.model.namedWeights.map(\.weight.value.values))
    }

    @Test func trainingLowersTheLoss() throws {
        let trainer = try makeTrainer()
        let history = try trainer.fit(classificationData(), epochs: 15, batchSize: 8)
        let losses = history.epochs.map { $0.logs["loss"]! }
        #expect(losses.last! < losses.first! * 0.8, "losses \(losses)")
    }

    @Test func validationSplitHoldsOutTheLastSamples() throws {
        let data = classificationData()
        let trainer = try makeTrainer()
        let recorder = Recorder()
        let history = try trainer.fit(data, epochs: 1, batchSize: 8, validationSplit: 0.25, callbacks: [recorder])
        #expect(recorder.trainingSamples == 30)
        #expect(recorder.batches == 4)  // ⌈30 / 8⌉
        // val_ metrics are those of the last 10 samples, with the final weights.
        let heldOut = try trainer.evaluate(data.slice(30..<40))
        let record = try #require(history.epochs.last)
        #expect(record.logs["val_loss"] == heldOut["loss"])
        #expect(record.logs["val_accuracy"] == heldOut["accuracy"])
    }

    @Test func historyRecordsEveryEpoch() throws {
        let recorder = Recorder()
        let history = try makeTrainer().fit(classificationData(), epochs: 3, batchSize: 16, validationSplit: 0.2,
                                            callbacks: [recorder])
        #expect(history.epochs.map(\.epoch) == [1, 2, 3])
        for record in history.epochs {
            #expect(Set(record.logs.keys) == ["loss", "accuracy", "val_loss", "val_accuracy"])
            #expect(record.seconds >= 0)
        }
        #expect(recorder.epochWeights.count == 3)
        #expect(recorder.ended)
    }

    @Test func earlyStoppingStopsAndRestoresTheBestWeights() throws {
        // Validation labels contradict the training labels: the better the
        // model fits, the worse val_loss gets.
        let trainer = try makeTrainer(learningRate: 0.05)
        let recorder = Recorder()
        let stopping = EarlyStopping(monitor: "val_loss", patience: 1, restoreBestWeights: true)
        let history = try trainer.fit(classificationData(), epochs: 30, batchSize: 8,
                                      validationData: classificationData(flipped: true),
                                      callbacks: [recorder, stopping])
        let validationLosses = history.epochs.map { $0.logs["val_loss"]! }
        let best = validationLosses.indices.min { validationLosses[$0] < validationLosses[$1] }!
        #expect(history.epochs.count < 30, "val_loss \(validationLosses)")
        #expect(stopping.stoppedEpoch == best + 1 + 2)  // patience 1: stops on the second epoch without improvement
        #expect(history.epochs.count == best + 3)
        #expect(trainer.model.namedWeights.map(\.weight.value.values) == recorder.epochWeights[best])
    }

    @Test func earlyStoppingNeedsTheMonitoredValue() throws {
        let message = errorDescription {
            try makeTrainer().fit(classificationData(), epochs: 2, callbacks: [EarlyStopping(monitor: "val_loss")])
        }
        #expect(message?.contains("'val_loss'") == true)
    }

    @Test func modelCheckpointFires() throws {
        var saved: [Int] = []
        var improved: [Int] = []
        let everyEpoch = ModelCheckpoint { epoch, _ in saved.append(epoch) }
        let onImprovement = ModelCheckpoint(monitor: "loss") { epoch, _ in improved.append(epoch) }
        let history = try makeTrainer().fit(classificationData(), epochs: 4, batchSize: 8,
                                            callbacks: [everyEpoch, onImprovement])
        #expect(saved == [1, 2, 3, 4])
        // Saved exactly on the epochs whose loss was a new minimum.
        var best = Double.infinity
        var minima: [Int] = []
        for record in history.epochs where record.logs["loss"]! < best {
            best = record.logs["loss"]!
            minima.append(record.epoch)
        }
        #expect(improved == minima)
    }

    @Test func evaluateMatchesTheLossComputedDirectly() throws {
        let data = classificationData()
        let trainer = try makeTrainer()
        try trainer.fit(data, epochs: 2, batchSize: 8)
        let (loss, outputs) = withoutGradients {
            Loss.sparseCategoricalCrossentropy.evaluate(model: trainer.model, input: data.inputs, targets: data.targets,
                                                        training: false)
        }
        let correct = zip(outputs.argmaxOfLastAxis(), data.targets.values).filter { Float($0) == $1 }.count
        for batchSize in [256, 16, 7] {
            let result = try trainer.evaluate(data, batchSize: batchSize)
            #expect(Swift.abs(result["loss"]! - Double(loss.item)) < 1e-6, "batch size \(batchSize)")
            #expect(Swift.abs(result["accuracy"]! - Double(correct) / 40) < 1e-12)
            #expect(result["samples"] == 40)
        }
        // evaluate is inference: Dropout is off, so it is repeatable.
        #expect(try trainer.evaluate(data) == trainer.evaluate(data))
    }

    @Test func targetsThatAreNotClassIndicesAreRefused() throws {
        let data = classificationData(count: 4)
        let bad = Trainer.Data(inputs: data.inputs, targets: Tensor(shape: [4], values: [0, 1, 3, 2]))
        let message = errorDescription { try makeTrainer().fit(bad, epochs: 1) }
        #expect(message?.contains("sample 3") == true, "\(message ?? "no error")")
        #expect(message?.contains("0..<3") == true)
    }

    /// A run interrupted after epoch 2 and resumed from its weights and
    /// optimizer state ends with exactly the weights of an uninterrupted run.
    @Test(arguments: ["adam", "sgd", "rmsprop"])
    func resumingWithOptimizerStateMatchesAnUninterruptedRun(optimizerName: String) throws {
        let data = classificationData()
        func trainer() throws -> Trainer {
            let model = try Sequential(inputShape: [4], layers: [Dense(units: 8, activation: .relu),
                                                                 Dense(units: 3, activation: .softmax)], seed: 3)
            let optimizer = optimizerName == "sgd" ? SGD(learningRate: 0.05, momentum: 0.9)
                : try OptimizerFactory.make(optimizerName, learningRate: 0.05)
            return Trainer(model: model, loss: .sparseCategoricalCrossentropy, optimizer: optimizer)
        }
        let straight = try trainer()
        try straight.fit(data, epochs: 4, batchSize: 8, seed: 9)

        let first = try trainer()
        try first.fit(data, epochs: 2, batchSize: 8, seed: 9)
        let weights = first.model.namedWeights.map { $0.weight.value.values }
        let state = Dictionary(uniqueKeysWithValues: first.optimizer.state(for: first.model.namedWeights).tensors
            .map { ($0.name, $0.values) })
        #expect(!state.isEmpty)

        func resumed(restoringState: Bool) throws -> [[Float]] {
            let second = try trainer()
            for (entry, values) in zip(second.model.namedWeights, weights) {
                values.withUnsafeBufferPointer { entry.weight.value.pointer.update(from: $0.baseAddress!, count: values.count) }
            }
            if restoringState { try second.optimizer.restore(state, for: second.model.namedWeights) }
            try second.fit(data, epochs: 4, batchSize: 8, seed: 9, initialEpoch: 2)
            return second.model.namedWeights.map { $0.weight.value.values }
        }
        let expected = straight.model.namedWeights.map { $0.weight.value.values }
        #expect(try resumed(restoringState: true) == expected)
        // Without the optimizer state the run diverges: the state matters.
        #expect(try resumed(restoringState: false) != expected)
    }
}
