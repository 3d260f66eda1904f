import ArgumentParser
import ClassicML
import DataPrep
import Foundation
import NeuralNet

/// `orchard train --estimator NAME …`: the classical-ML options of `train`.
struct EstimatorOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Train a classical estimator instead of a network.",
                               discussion: "One of: \(EstimatorRegistry.names.joined(separator: ", ")).")) var estimator: String?
    @Option(name: .customLong("param"), help: "An estimator parameter with scikit-learn's name, key=value (repeatable).")
    var parameters: [String] = []
    @Option(help: "Test CSV: metrics are measured on it (else on the training data).") var test: String?
    @Option(help: "Scale numeric features: standard or minmax.") var scale: String?
    @Option(help: "Fill blank cells: mean, median or most_frequent.") var impute: String?
    @Option(help: "Encode text columns: onehot or ordinal.") var encode: String?
}

extension Train {
    func trainEstimator(_ name: String) throws {
        var settings = EstimatorTraining.Settings(estimator: name)
        settings.target = target
        settings.seed = seed
        for pair in classic.parameters {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--param \(pair): expected key=value, e.g. --param max_depth=5")
            }
            settings.parameters[String(pair[..<equals])] = ParameterValue(text: String(pair[pair.index(after: equals)...]))
        }
        settings.recipe = TabularRecipe.Options(
            scaling: try choice(classic.scale, "--scale"), imputation: try choice(classic.impute, "--impute"),
            encoding: try choice(classic.encode, "--encode"))
        let result = try EstimatorTraining.run(settings, trainPath: data, testPath: classic.test,
                                               output: URL(fileURLWithPath: out))
        if json {
            printJSONLine(["estimator": .string(result.estimator), "train_seconds": .number(result.trainSeconds),
                           "metrics": .object(JSONValue.logs(result.metrics)),
                           "train_metrics": .object(JSONValue.logs(result.trainMetrics)), "out": .string(out)])
        } else {
            let where_ = classic.test == nil ? "training data" : "test data"
            print(String(format: "Trained %@ in %.3f s", result.estimator, result.trainSeconds))
            for key in result.metrics.keys.sorted() { print("  \(key) (\(where_)): \(result.metrics[key]!)") }
            print("Saved the model to \(out)")
        }
    }

    private func choice<T: RawRepresentable & CaseIterable>(_ text: String?, _ flag: String) throws -> T? where T.RawValue == String {
        guard let text else { return nil }
        guard let value = T(rawValue: text) else {
            throw ValidationError("\(flag) \(text): expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
