import ClassicML
import Foundation
import NeuralNet

/// `predict` and `evaluate` for classical estimators (model.json with an
/// "estimator" section): the saved recipe is replayed on raw rows.
extension Predict {
    func predictWithEstimator() throws {
        let runner = try EstimatorRunner(directory: URL(fileURLWithPath: directory))
        let result = try runner.predict(csvPath: data)
        if json {
            let predictions: [JSONValue] = zip(result.labels, result.values).map { label, value in
                runner.saved.task == .classification && !runner.saved.numericClasses ? .string(label) : .number(value)
            }
            var object: [String: JSONValue] = ["predictions": .array(predictions)]
            if let components = result.components {
                object["predictions"] = .array((0..<components.rows).map { row in
                    .array(components.row(row).map { .number($0) })
                })
            }
            if let probabilities = result.probabilities {
                object["probabilities"] = .array((0..<probabilities.rows).map { row in
                    .array(probabilities.row(row).map { .number($0) })
                })
                object["classes"] = .array(result.classes.map { .string($0) })
            }
            printJSONLine(.object(object))
        } else {
            if let components = result.components {
                for row in 0..<components.rows {
                    print("\(row + 1): " + components.row(row).map { String(format: "%.4f", $0) }.joined(separator: " "))
                }
                return
            }
            for (row, label) in result.labels.enumerated() {
                let probabilities = result.probabilities.map { p in
                    "  " + p.row(row).map { String(format: "%.4f", $0) }.joined(separator: " ")
                } ?? ""
                print("\(row + 1): \(label)\(probabilities)")
            }
        }
    }
}

extension Evaluate {
    func evaluateEstimator() throws {
        let runner = try EstimatorRunner(directory: URL(fileURLWithPath: directory))
        let metrics = try runner.evaluate(csvPath: data)
        if json {
            printJSONLine(.object(JSONValue.logs(metrics)))
        } else {
            for key in metrics.keys.sorted() { print("\(key): \(metrics[key]!)") }
        }
    }
}
