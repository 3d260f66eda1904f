import ClassicML
import DataPrep
import Foundation
import NeuralNet

/// The classical path of a job: fit the tabular recipe and the estimator on
/// the dataset (ClassicML's EstimatorTraining, as `orchard train --estimator`
/// does), evaluate on the test dataset or else the training data, and save
/// the estimator in the saved-model format. A fit has no epochs, so a
/// resumed job fits again from the start; cancellation takes effect before
/// and after the fit.
extension JobExecution {
    func fit(_ request: EstimatorRequest, dataset: Dataset, testDataset: Dataset?) throws -> Outcome {
        if let reason = cancellation.value { return Outcome(cancelled: reason) }
        var settings = EstimatorTraining.Settings(estimator: request.name)
        settings.parameters = request.params
        settings.target = job.request.target.isEmpty ? nil : job.request.target
        settings.recipe = request.recipeOptions
        settings.seed = job.request.training.seed
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-job-\(job.id)-\(UUID().uuidString)")
        let directory = staging.appendingPathComponent("model")
        hub.publish(jobID: job.id, type: "progress", data: ["progress": 0, "stage": "fit"])
        log("fitting \(request.name) on dataset \(dataset.id)")
        let result: EstimatorTraining.Result
        do {
            // The training metrics are measured on the training data; the test set is evaluated below.
            result = try reading(dataset, field: "dataset") { path in
                try EstimatorTraining.run(settings, trainPath: path, testPath: nil, output: directory)
            }
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        if let reason = cancellation.value {
            try? FileManager.default.removeItem(at: staging)
            return Outcome(cancelled: reason)
        }
        log(String(format: "fitted in %.3f s", result.trainSeconds))

        var outcome = Outcome()
        let runner = EstimatorRunner(saved: result.saved, estimator: result.fitted)
        let evaluation = testDataset ?? dataset
        outcome.evaluatedOn = testDataset == nil ? "training_data" : "test_dataset"
        let field = testDataset == nil ? "dataset" : "test_dataset"
        let (rows, labelled) = try reading(evaluation, field: field) { path -> (Int, EstimatorRunner.Evaluation) in
            let table = try TabularCSV.read(path: path)
            return (table.rowCount, try runner.evaluate(table: table))
        }
        outcome.metrics = labelled.metrics.mapValues { .number($0) }
        if let truth = labelled.truth {
            switch result.saved.task {
            case .classification:
                let scored = truth.indices.filter { truth[$0] != -1 }  // −1: unlabelled (semi-supervised)
                outcome.metrics.merge(ModelEvaluation.classification(
                    truth: scored.map { Int(truth[$0]) }, predicted: scored.map { Int(labelled.predicted[$0]) },
                    classes: result.saved.classes.count, names: result.saved.classes)) { _, new in new }
            case .regression:
                outcome.metrics.merge(ModelEvaluation.regression(truth: truth, predicted: labelled.predicted)) { _, new in new }
            case .clustering, .decomposition:
                break
            }
        }
        outcome.metrics["samples"] = .number(Double(rows))
        outcome.metrics["train_seconds"] = .number(result.trainSeconds)
        outcome.metrics["train_metrics"] = .object(result.trainMetrics.mapValues { .number($0) })
        log("evaluated on \(outcome.evaluatedOn): " + outcome.metrics.filter { $0.value.number != nil }
            .sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value.number!))" }.joined(separator: ", "))
        hub.publish(jobID: job.id, type: "progress", data: ["progress": 1, "stage": "fit"])
        outcome.savedModel = directory
        outcome.spec = [
            "estimator": .object([
                "name": .string(result.saved.name), "task": .string(result.saved.task.rawValue),
                "params": .object(result.saved.parameters.mapValues(\.json)),
            ]),
            "preprocessing": .object([
                "scale": request.scale.map(JSONValue.string) ?? .null, "impute": request.impute.map(JSONValue.string) ?? .null,
                "encode": request.encode.map(JSONValue.string) ?? .null,
            ]),
            "inputs": .array(result.saved.recipe.columns.map { ["name": .string($0.name), "kind": .string($0.kind.rawValue)] }),
        ]
        return outcome
    }
}

extension ParameterValue {
    var json: JSONValue {
        switch self {
        case .number(let value): return .number(value)
        case .string(let value): return .string(value)
        case .bool(let value): return .bool(value)
        case .none: return .null
        }
    }
}
