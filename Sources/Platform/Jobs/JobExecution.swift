import DataPrep
import Foundation
import ModelFormats
import NeuralNet
import Tensor

/// Runs one leased job: trains on a dedicated thread (resuming from the
/// last epoch checkpoint), publishes progress, checkpoints every epoch,
/// evaluates, registers the model version and records the outcome.
final class JobExecution: @unchecked Sendable {
    let job: Job
    let owner: String
    let services: JobServices
    let cancellation = CancellationFlag()

    init(job: Job, owner: String, services: JobServices) {
        self.job = job
        self.owner = owner
        self.services = services
    }

    var store: MetadataStore { services.store }
    var hub: JobEventHub { services.hub }

    struct Outcome {
        var cancelled: String?
        var metrics: [String: JSONValue] = [:]
        var savedModel: URL?
        /// What the registry shows as the version's spec: the Keras JSON, or the estimator and its parameters.
        var spec: JSONValue = .null
        var evaluatedOn = ""
    }

    func log(_ message: String) {
        hub.publish(jobID: job.id, type: "log", data: ["message": .string(message)])
    }

    func run() async {
        try? await hub.prepare(jobID: job.id)
        hub.publish(jobID: job.id, type: "status", data: ["status": "running", "attempt": .number(Double(job.attempts))])
        if let checkpoint = job.checkpoint { log("resuming from the checkpoint after epoch \(checkpoint.epoch)") }
        let heartbeat = Task { await self.heartbeat() }
        defer { heartbeat.cancel() }
        do {
            guard let dataset = try await store.dataset(tenantID: job.tenantID, id: job.request.dataset) else {
                throw ServiceError.invalid(field: "dataset", message: "dataset '\(job.request.dataset)' no longer exists")
            }
            var testDataset: Dataset?
            if let id = job.request.testDataset {
                guard let found = try await store.dataset(tenantID: job.tenantID, id: id) else {
                    throw ServiceError.invalid(field: "test_dataset", message: "dataset '\(id)' no longer exists")
                }
                testDataset = found
            }
            let outcome = try await ThreadBridge.run(name: "orchard-job-\(job.id)") {
                if let estimator = self.job.request.estimator {
                    return try self.fit(estimator, dataset: dataset, testDataset: testDataset)
                }
                return try self.train(dataset: dataset, testDataset: testDataset)
            }
            if let reason = outcome.cancelled {
                if reason == JobExecution.leaseLost { return }  // another worker owns the job now
                let final = try await store.updateJob(id: job.id) { job in
                    job.status = .cancelled
                    job.finishedAt = Date()
                    job.leaseOwner = nil
                }
                publishFinal(final)
                return
            }
            guard let directory = outcome.savedModel else { return }
            defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
            var files: [String: String] = [:]
            for name in ["model.json", "weights.safetensors"] {
                files[name] = try services.artifacts.put(fileAt: directory.appendingPathComponent(name))
            }
            var evaluated = outcome.metrics
            evaluated["evaluated_on"] = .string(outcome.evaluatedOn)
            let metrics = evaluated
            let version = try await store.createModelVersion(ModelVersion(
                tenantID: job.tenantID, name: job.request.registerAs, version: 0, spec: outcome.spec,
                metrics: metrics,
                lineage: .init(datasetID: dataset.id, datasetSHA256: dataset.sha256, jobID: job.id,
                               seed: job.request.training.seed, orchardVersion: services.orchardVersion),
                files: files))
            let final = try await store.updateJob(id: job.id) { job in
                job.status = .succeeded
                job.progress = 1
                job.metrics = metrics
                job.model = .init(name: version.name, version: version.version)
                job.finishedAt = Date()
                job.leaseOwner = nil
            }
            log("registered \(version.name) version \(version.version)")
            publishFinal(final)
        } catch {
            let message = (error as? ServiceError)?.description ?? "\(error)"
            if let final = try? await store.updateJob(id: job.id, { job in
                job.status = .failed
                job.error = message
                job.finishedAt = Date()
                job.leaseOwner = nil
            }) {
                log("failed: \(message)")
                publishFinal(final)
            }
        }
    }

    static let leaseLost = "lease lost"

    func publishFinal(_ job: Job) {
        var data: [String: JSONValue] = ["status": .string(job.status.rawValue), "final": true]
        if let error = job.error { data["error"] = .string(error) }
        if let model = job.model { data["model"] = ["name": .string(model.name), "version": .number(Double(model.version))] }
        hub.publish(jobID: job.id, type: "status", data: .object(data), final: true)
    }

    /// Renews the lease; notices cancellation asked through another process.
    func heartbeat() async {
        let interval = services.leaseSeconds / 3
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            if Task.isCancelled { return }
            guard let renewed = try? await store.renewLease(jobID: job.id, owner: owner,
                                                            until: Date().addingTimeInterval(services.leaseSeconds)) else { continue }
            if !renewed { cancellation.set(JobExecution.leaseLost) }
            if let current = try? await store.job(id: job.id), current.cancelRequested { cancellation.set("cancelled") }
        }
    }

    /// The stored file of a CSV dataset.
    func csvPath(_ dataset: Dataset, field: String) throws -> String {
        guard dataset.format == "csv" else {
            throw ServiceError.invalid(field: field, message: "training reads CSV datasets; '\(dataset.id)' is \(dataset.format)")
        }
        return try services.artifacts.fileURL(for: dataset.sha256).path
    }

    /// Runs `body` on a dataset's file; errors name the dataset, not the file.
    func reading<T>(_ dataset: Dataset, field: String, _ body: (String) throws -> T) throws -> T {
        let path = try csvPath(dataset, field: field)
        do { return try body(path) } catch let error as ServiceError { throw error } catch {
            throw ServiceError.invalid(field: field, message: "\(error)".replacingOccurrences(of: path, with: "dataset '\(dataset.id)'"))
        }
    }

    /// Samples of a stored dataset shaped for the model.
    func samples(_ dataset: Dataset, inputShape: [Int], field: String = "dataset") throws -> TabularSamples {
        try reading(dataset, field: field) { path in
            try TabularSamples(csvPath: path, target: job.request.target, requireTarget: true,
                               rescale: job.request.rescale, inputShape: inputShape)
        }
    }

    func train(dataset: Dataset, testDataset: Dataset?) throws -> Outcome {
        let request = job.request, settings = request.training
        guard let document = request.model else { throw ServiceError.invalid(field: "model", message: "required") }
        let spec = try ModelSpec(document: document, source: "model")
        let model = try spec.build(seed: settings.seed)
        let loss = try Loss(kerasName: settings.loss)
        let metrics = try settings.metrics.filter { $0 != "loss" }.map { try Metric(kerasName: $0) }
        let optimizer = try OptimizerFactory.make(settings.optimizer, learningRate: settings.learningRate)
        let trainer = Trainer(model: model, loss: loss, optimizer: optimizer, metrics: metrics)
        let data = try samples(dataset, inputShape: spec.inputShape)
        guard let targets = data.targets else { throw ServiceError.invalid(field: "target", message: "no target column") }
        var initialEpoch = 0
        if let checkpoint = job.checkpoint {
            let url = try services.artifacts.fileURL(for: checkpoint.sha256)
            try SavedModel.loadWeights(into: model, from: url, allowOptimizerState: true)
            try optimizer.restore(try SavedModel.optimizerState(from: url), for: model.namedWeights)
            initialEpoch = checkpoint.epoch
        }
        let progress = JobProgressCallback(execution: self, initialEpoch: initialEpoch)
        do {
            try trainer.fit(Trainer.Data(inputs: data.inputs, targets: targets), epochs: settings.epochs,
                            batchSize: settings.batchSize, shuffle: true, seed: settings.seed,
                            validationSplit: settings.validationSplit, initialEpoch: initialEpoch, callbacks: [progress])
        } catch let error as NeuralNetError {
            throw ServiceError.invalid(field: "training", message: "\(error)")
        }
        if let reason = cancellation.value { return Outcome(cancelled: reason) }

        // Evaluation: the test dataset, else the validation split, else the training data.
        var outcome = Outcome()
        let evaluation: (inputs: Tensor, targets: Tensor)
        if let testDataset {
            let test = try samples(testDataset, inputShape: spec.inputShape, field: "test_dataset")
            guard let testTargets = test.targets else { throw ServiceError.invalid(field: "test_dataset", message: "no target column") }
            evaluation = (test.inputs, testTargets)
            outcome.evaluatedOn = "test_dataset"
        } else if settings.validationSplit > 0, Int(Double(data.inputs.shape[0]) * settings.validationSplit) > 0 {
            let count = data.inputs.shape[0], held = Int(Double(count) * settings.validationSplit)
            let indices = Array((count - held)..<count)[...]
            evaluation = (data.inputs.gatherRows(indices), targets.gatherRows(indices))
            outcome.evaluatedOn = "validation_split"
        } else {
            evaluation = (data.inputs, targets)
            outcome.evaluatedOn = "training_data"
        }
        do {
            outcome.metrics = try ModelEvaluation.evaluate(trainer: trainer, inputs: evaluation.inputs, targets: evaluation.targets)
        } catch let error as NeuralNetError {
            throw ServiceError.invalid(field: request.testDataset == nil ? "target" : "test_dataset", message: "\(error)")
        }
        log("evaluated on \(outcome.evaluatedOn): " + outcome.metrics.filter { $0.value.number != nil }
            .sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value.number!))" }.joined(separator: ", "))

        let training: [String: JSONValue] = [
            "optimizer": .object(optimizer.config), "loss": .string(loss.rawValue),
            "metrics": .array(metrics.map { .string($0.rawValue) }), "epochs": .number(Double(settings.epochs)),
            "batch_size": .number(Double(settings.batchSize)), "seed": .number(Double(settings.seed)),
            "validation_split": .number(settings.validationSplit),
        ]
        let saved = SavedModel(model: model, training: training,
                               preprocessing: .init(rescale: request.rescale, target: request.target,
                                                    featureCount: data.featureNames.count),
                               history: [])
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-job-\(job.id)-\(UUID().uuidString)")
        let directory = staging.appendingPathComponent("model")
        try saved.save(to: directory)
        // The full history (resumed runs included); EpochRecord cannot be built outside NeuralNet.
        let jsonURL = directory.appendingPathComponent("model.json")
        if var document = try JSONValue.parse(Data(contentsOf: jsonURL)).object {
            document["history"] = .array(progress.history.map { .object($0) })
            try JSONValue.object(document).serialized(pretty: true).write(to: jsonURL, options: .atomic)
        }
        outcome.savedModel = directory
        outcome.spec = model.kerasJSON
        return outcome
    }
}

/// Publishes batch ticks (at most ~10 per second) and epochs, checkpoints
/// after each epoch, and stops training when the job is cancelled.
final class JobProgressCallback: Callback {
    unowned let execution: JobExecution
    let initialEpoch: Int
    var history: [[String: JSONValue]]
    var lastTick = DispatchTime(uptimeNanoseconds: 0)
    var currentEpoch = 0

    init(execution: JobExecution, initialEpoch: Int) {
        self.execution = execution
        self.initialEpoch = initialEpoch
        history = execution.job.history.filter { ($0["epoch"]?.int ?? 0) <= initialEpoch }
    }

    func epochBegan(_ epoch: Int, _ context: TrainingContext) {
        currentEpoch = epoch
    }

    func batchEnded(_ step: Int, logs: [String: Double], _ context: TrainingContext) {
        if execution.cancellation.value != nil {
            context.stopTraining = true
            return
        }
        let now = DispatchTime.now()
        guard now.uptimeNanoseconds - lastTick.uptimeNanoseconds >= 100_000_000 || step == context.stepsPerEpoch else { return }
        lastTick = now
        let progress = (Double(currentEpoch - 1) + Double(step) / Double(context.stepsPerEpoch)) / Double(context.epochs)
        var data: [String: JSONValue] = ["epoch": .number(Double(currentEpoch)), "step": .number(Double(step)),
                                         "steps": .number(Double(context.stepsPerEpoch)), "progress": .number(progress)]
        for (key, value) in logs { data[key] = .number(value) }
        execution.hub.publish(jobID: execution.job.id, type: "progress", data: .object(data))
    }

    func epochEnded(_ epoch: Int, logs: [String: Double], seconds: Double, _ context: TrainingContext) throws {
        if execution.cancellation.value != nil {
            context.stopTraining = true
            return
        }
        var record: [String: JSONValue] = ["epoch": .number(Double(epoch)), "seconds": .number(seconds)]
        for (key, value) in logs { record[key] = .number(value) }
        history.append(record)
        // Checkpoint: the weights and optimizer state after this epoch; the
        // shuffles replay from the seed.
        let model = context.trainer.model
        let optimizerState = context.trainer.optimizer.state(for: model.namedWeights).tensors
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-checkpoint-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try SafetensorsWriter.write(
            tensors: model.namedWeights.map { (name: $0.name, shape: $0.weight.value.shape, values: $0.weight.value.values) }
                + optimizerState,
            metadata: ["format": "pt", "producer": "orchard", "epoch": String(epoch)], to: file)
        let sha256 = try execution.services.artifacts.put(fileAt: file)
        let progress = Double(epoch) / Double(context.epochs)
        let snapshot = history
        let store = execution.store, jobID = execution.job.id
        _ = try ThreadBridge.wait {
            try await store.updateJob(id: jobID) { job in
                job.history = snapshot
                job.progress = progress
                job.checkpoint = .init(epoch: epoch, sha256: sha256)
            }
        }
        execution.hub.publish(jobID: jobID, type: "epoch", data: .object(record.merging(["progress": .number(progress)]) { a, _ in a }))
    }
}
