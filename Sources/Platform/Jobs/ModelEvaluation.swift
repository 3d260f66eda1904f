import Foundation
import NeuralNet
import Tensor

/// The metrics a finished job reports: loss and accuracy, per-class
/// precision/recall/F1 and the confusion matrix for classifiers; MAE, RMSE
/// and R² for regression.
enum ModelEvaluation {
    static func evaluate(trainer: Trainer, inputs: Tensor, targets: Tensor) throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in try trainer.evaluate(Trainer.Data(inputs: inputs, targets: targets)) {
            result[key] = .number(value)
        }
        let outputs = trainer.model.predict(inputs)
        let count = inputs.shape.first ?? 0
        let width = trainer.model.outputShape.reduce(1, *)
        let predicted = outputs.values
        let expected = targets.values
        switch trainer.loss {
        case .sparseCategoricalCrossentropy, .categoricalCrossentropy, .binaryCrossentropy:
            func argmax(_ values: [Float], _ row: Int) -> Int {
                var best = 0
                for column in 1..<width where values[row * width + column] > values[row * width + best] { best = column }
                return best
            }
            let guesses = (0..<count).map { row in width == 1 ? (predicted[row] >= 0.5 ? 1 : 0) : argmax(predicted, row) }
            let truths = (0..<count).map { row in
                trainer.loss == .categoricalCrossentropy ? argmax(expected, row) : Int(expected[row].rounded())
            }
            result.merge(classification(truth: truths, predicted: guesses, classes: width == 1 ? 2 : width)) { _, new in new }
        case .meanSquaredError, .meanAbsoluteError:
            result.merge(regression(truth: expected.map(Double.init), predicted: predicted.map(Double.init))) { _, new in new }
        }
        return result
    }

    /// Accuracy, confusion matrix (rows: truth) and per-class precision,
    /// recall, F1 and support. `names` label the classes (else their index);
    /// a truth outside 0..<classes (a label unseen in training) counts as
    /// wrong and is left out of the matrix.
    static func classification(truth: [Int], predicted: [Int], classes: Int, names: [String]? = nil) -> [String: JSONValue] {
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        var correct = 0
        for (expected, guess) in zip(truth, predicted) {
            if expected == guess { correct += 1 }
            guard (0..<classes).contains(expected), (0..<classes).contains(guess) else { continue }
            confusion[expected][guess] += 1
        }
        return [
            "accuracy": .number(Double(correct) / Double(max(truth.count, 1))),
            "confusion_matrix": .array(confusion.map { .array($0.map { .number(Double($0)) }) }),
            "per_class": .array((0..<classes).map { label in
                let truePositive = Double(confusion[label][label])
                let predictedTotal = Double((0..<classes).map { confusion[$0][label] }.reduce(0, +))
                let actualTotal = Double(confusion[label].reduce(0, +))
                let precision = predictedTotal > 0 ? truePositive / predictedTotal : 0
                let recall = actualTotal > 0 ? truePositive / actualTotal : 0
                let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
                let name: JSONValue = names.map { .string($0[label]) } ?? .number(Double(label))
                return ["class": name, "precision": .number(precision), "recall": .number(recall),
                        "f1": .number(f1), "support": .number(actualTotal)]
            }),
        ]
    }

    /// MAE, RMSE and R².
    static func regression(truth: [Double], predicted: [Double]) -> [String: JSONValue] {
        let n = Double(max(predicted.count, 1))
        let mean = truth.reduce(0, +) / n
        var absolute = 0.0, squared = 0.0, total = 0.0
        for (guess, expected) in zip(predicted, truth) {
            let error = guess - expected
            absolute += Swift.abs(error)
            squared += error * error
            total += (expected - mean) * (expected - mean)
        }
        return ["mae": .number(absolute / n), "rmse": .number((squared / n).squareRoot()),
                "r2": .number(total > 0 ? 1 - squared / total : 0)]
    }
}
