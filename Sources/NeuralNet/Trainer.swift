import Foundation
import Tensor

/// A model with its training configuration (Keras' `compile`), and the
/// loops that use it: `fit`, `evaluate`, `predict`. `fit` only drives the
/// loop; progress, history, early stopping and checkpoints are callbacks.
public final class Trainer {
    public let model: Sequential
    public let loss: Loss
    public let optimizer: Optimizer
    public let metrics: [Metric]

    public init(model: Sequential, loss: Loss, optimizer: Optimizer, metrics: [Metric] = []) {
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = metrics
    }

    /// Samples with inputs (n, inputShape…) and targets (n) class indices or (n, outputs…).
    public struct Data {
        public let inputs: Tensor
        public let targets: Tensor
        public var count: Int { inputs.shape.first ?? 0 }

        public init(inputs: Tensor, targets: Tensor) {
            precondition(inputs.shape.first == targets.shape.first, "inputs and targets differ in sample count")
            self.inputs = inputs
            self.targets = targets
        }

        /// Samples [start, end) as a new pair (copies).
        public func slice(_ range: Range<Int>) -> Data {
            let indices = Array(range)[...]
            return Data(inputs: inputs.gatherRows(indices), targets: targets.gatherRows(indices))
        }
    }

    /// Keras' `fit`. `validationSplit` holds out the last fraction of `data`
    /// (before shuffling), as Keras does. Returns the history.
    @discardableResult
    public func fit(_ data: Data, epochs: Int, batchSize: Int = 32, shuffle: Bool = true, seed: UInt64 = 0,
                    validationSplit: Double = 0, validationData: Data? = nil, initialEpoch: Int = 0,
                    callbacks: [Callback] = []) throws -> History {
        guard batchSize > 0, epochs >= 0 else { throw NeuralNetError.invalidData("batch size and epochs must be positive") }
        try checkTargets(data)
        var training = data
        var validation = validationData
        if validationSplit > 0, validation == nil {
            guard validationSplit < 1 else { throw NeuralNetError.invalidData("validation_split must be in [0, 1)") }
            let held = Int(Double(data.count) * validationSplit)
            training = data.slice(0..<(data.count - held))
            validation = data.slice((data.count - held)..<data.count)
        }
        guard training.count > 0 else { throw NeuralNetError.invalidData("no training samples") }
        let history = History()
        let allCallbacks = callbacks + [history]
        let steps = (training.count + batchSize - 1) / batchSize
        let context = TrainingContext(epochs: epochs, stepsPerEpoch: steps, samples: training.count,
                                      batchSize: batchSize, trainer: self)
        var generator = RandomGenerator(seed: seed)
        var order = Array(0..<training.count)
        // Resuming: replay the shuffles of the epochs already done.
        for _ in 0..<initialEpoch where shuffle { order.shuffle(using: &generator) }
        allCallbacks.forEach { $0.trainingBegan(context) }
        for epoch in (initialEpoch + 1)...max(epochs, initialEpoch + 1) where epoch <= epochs {
            if shuffle { order.shuffle(using: &generator) }
            allCallbacks.forEach { $0.epochBegan(epoch, context) }
            let start = DispatchTime.now()
            var totals = RunningTotals(metrics: metrics)
            for step in 0..<steps {
                let indices = order[(step * batchSize)..<min((step + 1) * batchSize, training.count)]
                let inputs = training.inputs.gatherRows(indices)
                let targets = training.targets.gatherRows(indices)
                let (lossValue, outputs) = loss.evaluate(model: model, input: inputs, targets: targets, training: true)
                lossValue.backward()
                optimizer.apply(to: model.trainableWeights)
                totals.add(loss: lossValue.item, outputs: outputs, targets: targets, lossKind: loss)
                allCallbacks.forEach { $0.batchEnded(step + 1, logs: totals.logs, context) }
                if context.stopTraining { break }
            }
            var logs = totals.logs
            if let validation {
                for (key, value) in try evaluate(validation, batchSize: max(batchSize, 256)) where key != "samples" {
                    logs["val_" + key] = value
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            for callback in allCallbacks { try callback.epochEnded(epoch, logs: logs, seconds: seconds, context) }
            if context.stopTraining { break }
        }
        allCallbacks.forEach { $0.trainingEnded(context) }
        return history
    }

    /// Keras' `evaluate`: mean loss and metrics over `data` (inference mode).
    public func evaluate(_ data: Data, batchSize: Int = 256) throws -> [String: Double] {
        try checkTargets(data)
        var totals = RunningTotals(metrics: metrics)
        withoutGradients {
            var start = 0
            while start < data.count {
                let end = min(start + batchSize, data.count)
                let batch = data.slice(start..<end)
                let (lossValue, outputs) = loss.evaluate(model: model, input: batch.inputs, targets: batch.targets,
                                                         training: false)
                totals.add(loss: lossValue.item, outputs: outputs, targets: batch.targets, lossKind: loss)
                start = end
            }
        }
        var logs = totals.logs
        logs["samples"] = Double(data.count)
        return logs
    }

    func checkTargets(_ data: Data) throws {
        let outputs = model.outputShape.reduce(1, *)
        if loss.takesClassIndices {
            for i in 0..<data.targets.count {
                let label = data.targets.pointer[i]
                guard label >= 0, label < Float(outputs), label == label.rounded() else {
                    throw NeuralNetError.invalidData("sample \(i + 1): target \(label) is not a class index in 0..<\(outputs) "
                                                     + "(the model has \(outputs) outputs)")
                }
            }
        } else if data.targets.count != data.count * outputs {
            throw NeuralNetError.invalidData("targets have \(data.targets.count / max(data.count, 1)) values per sample; "
                                             + "the model outputs \(outputs) (loss \(loss.rawValue))")
        }
    }
}

extension Sequential {
    /// Keras' `predict`: outputs for every sample, in batches, inference mode.
    public func predict(_ inputs: Tensor, batchSize: Int = 256) -> Tensor {
        let count = inputs.shape.first ?? 0
        let output = Tensor(uninitializedShape: [count] + outputShape)
        let rowSize = outputShape.reduce(1, *)
        withoutGradients {
            var start = 0
            while start < count {
                let end = min(start + batchSize, count)
                let batch = count == end - start ? inputs : inputs.gatherRows(Array(start..<end)[...])
                let result = call(batch, training: false)
                (output.pointer + start * rowSize).update(from: result.pointer, count: result.count)
                start = end
            }
        }
        return output
    }
}

/// Sample-weighted running means of the loss and metrics over an epoch.
struct RunningTotals {
    let metrics: [Metric]
    var samples = 0
    var lossSum = 0.0
    var metricSums: [Double]

    init(metrics: [Metric]) {
        self.metrics = metrics
        metricSums = Array(repeating: 0, count: metrics.count)
    }

    mutating func add(loss: Float, outputs: Tensor, targets: Tensor, lossKind: Loss) {
        let batch = outputs.shape[0]
        samples += batch
        lossSum += Double(loss) * Double(batch)
        for (index, metric) in metrics.enumerated() {
            metricSums[index] += metric.total(outputs: outputs, targets: targets, loss: lossKind)
        }
    }

    var logs: [String: Double] {
        var logs = ["loss": lossSum / Double(max(samples, 1))]
        for (metric, sum) in zip(metrics, metricSums) { logs[metric.rawValue] = sum / Double(max(samples, 1)) }
        return logs
    }
}
