/// What callbacks see of a training run.
public final class TrainingContext {
    public let epochs: Int
    public let stepsPerEpoch: Int
    public let samples: Int
    public let batchSize: Int
    public let trainer: Trainer
    /// Set by a callback (early stopping, cancellation) to end training after this step.
    public var stopTraining = false

    init(epochs: Int, stepsPerEpoch: Int, samples: Int, batchSize: Int, trainer: Trainer) {
        self.epochs = epochs
        self.stepsPerEpoch = stepsPerEpoch
        self.samples = samples
        self.batchSize = batchSize
        self.trainer = trainer
    }
}

/// Keras callback hooks. Epochs are 1-based here and in logs; `logs` hold
/// the running means ("loss", "accuracy", … and "val_…" at epoch end).
public protocol Callback: AnyObject {
    func trainingBegan(_ context: TrainingContext)
    func epochBegan(_ epoch: Int, _ context: TrainingContext)
    func batchEnded(_ step: Int, logs: [String: Double], _ context: TrainingContext)
    func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) throws
    func trainingEnded(_ context: TrainingContext)
}

extension Callback {
    public func trainingBegan(_ context: TrainingContext) {}
    public func epochBegan(_ epoch: Int, _ context: TrainingContext) {}
    public func batchEnded(_ step: Int, logs: [String: Double], _ context: TrainingContext) {}
    public func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) throws {}
    public func trainingEnded(_ context: TrainingContext) {}
}

/// One epoch's record.
public struct EpochRecord: Sendable, Equatable {
    public let epoch: Int
    public let seconds: Double
    public let logs: [String: Double]

    public init(epoch: Int, seconds: Double, logs: [String: Double]) {
        self.epoch = epoch
        self.seconds = seconds
        self.logs = logs
    }
}

/// `keras.callbacks.History`: every epoch's logs.
public final class History: Callback {
    public private(set) var epochs: [EpochRecord] = []
    public init() {}
    public func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) {
        epochs.append(EpochRecord(epoch: epoch, seconds: seconds, logs: logs))
    }
}

/// `keras.callbacks.EarlyStopping`: stops when `monitor` has not improved by
/// `minDelta` for `patience` epochs; optionally restores the best weights.
public final class EarlyStopping: Callback {
    public let monitor: String
    public let minDelta: Double
    public let patience: Int
    public let restoreBestWeights: Bool
    public private(set) var stoppedEpoch: Int?
    private var best: Double?
    private var wait = 0
    private var bestWeights: [Tensor]?

    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, restoreBestWeights: Bool = false) {
        self.monitor = monitor
        self.minDelta = Swift.abs(minDelta)
        self.patience = patience
        self.restoreBestWeights = restoreBestWeights
    }

    /// Keras' "auto" mode: accuracy-like metrics are maximized, the rest minimized.
    var maximizes: Bool { monitor.hasSuffix("accuracy") || monitor.hasSuffix("acc") }

    public func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) throws {
        guard let value = logs[monitor] else {
            throw NeuralNetError.invalidData("EarlyStopping monitors '\(monitor)', which is not among the logs "
                                             + logs.keys.sorted().joined(separator: ", "))
        }
        let improved = best.map { maximizes ? value - minDelta > $0 : value + minDelta < $0 } ?? true
        if improved {
            best = value
            wait = 0
            if restoreBestWeights { bestWeights = context.trainer.model.namedWeights.map { $0.weight.value.copy() } }
        } else {
            wait += 1
            if wait > patience {
                stoppedEpoch = epoch
                context.stopTraining = true
                if restoreBestWeights, let bestWeights {
                    for (entry, saved) in zip(context.trainer.model.namedWeights, bestWeights) {
                        entry.weight.value.pointer.update(from: saved.pointer, count: saved.count)
                    }
                }
            }
        }
    }
}

import Tensor

/// `keras.callbacks.ModelCheckpoint`: saves the model after each epoch (or
/// only when `monitor` improved), through `save`, which must write atomically.
public final class ModelCheckpoint: Callback {
    let save: (_ epoch: Int, _ logs: [String: Double]) throws -> Void
    let monitor: String?
    private var best: Double?

    public init(monitor: String? = nil, save: @escaping (_ epoch: Int, _ logs: [String: Double]) throws -> Void) {
        self.monitor = monitor
        self.save = save
    }

    public func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) throws {
        if let monitor, let value = logs[monitor] {
            let maximizes = monitor.hasSuffix("accuracy")
            if let best, maximizes ? value <= best : value >= best { return }
            best = value
        }
        try save(epoch, logs)
    }
}
