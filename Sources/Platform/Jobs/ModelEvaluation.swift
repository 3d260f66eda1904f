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
            let classes = width == 1 ? 2 : width
            func predictedClass(_ row: Int) -> Int {
                if width == 1 { return predicted[row] >= 0.5 ? 1 : 0 }
                var best = 0
                for column in 1..<width where predicted[row * width + column] > predicted[row * width + best] { best = column }
                return best
            }
            func expectedClass(_ row: Int) -> Int {
                if trainer.loss == .categoricalCrossentropy {
                    var best = 0
                    for column in 1..<width where expected[row * width + column] > expected[row * width + best] { best = column }
                    return best
                }
                return Int(expected[row].rounded())
            }
            var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
            var correct = 0
            for row in 0..<count {
                let truth = min(max(expectedClass(row), 0), classes - 1), guess = predictedClass(row)
                confusion[truth][guess] += 1
                if truth == guess { correct += 1 }
            }
            result["accuracy"] = .number(Double(correct) / Double(max(count, 1)))
            result["confusion_matrix"] = .array(confusion.map { .array($0.map { .number(Double($0)) }) })
            result["per_class"] = .array((0..<classes).map { label in
                let truePositive = Double(confusion[label][label])
                let predictedTotal = Double((0..<classes).map { confusion[$0][label] }.reduce(0, +))
                let actualTotal = Double(confusion[label].reduce(0, +))
                let precision = predictedTotal > 0 ? truePositive / predictedTotal : 0
                let recall = actualTotal > 0 ? truePositive / actualTotal : 0
                let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
                return ["class": .number(Double(label)), "precision": .number(precision), "recall": .number(recall),
                        "f1": .number(f1), "support": .number(actualTotal)]
            })
        case .meanSquaredError, .meanAbsoluteError:
            let n = Double(max(predicted.count, 1))
            var absolute = 0.0, squared = 0.0, mean = 0.0
            for value in expected { mean += Double(value) }
            mean /= n
            var total = 0.0
            for (guess, truth) in zip(predicted, expected) {
                let error = Double(guess) - Double(truth)
                absolute += Swift.abs(error)
                squared += error * error
                total += (Double(truth) - mean) * (Double(truth) - mean)
            }
            result["mae"] = .number(absolute / n)
            result["rmse"] = .number((squared / n).squareRoot())
            result["r2"] = .number(total > 0 ? 1 - squared / total : 0)
        }
        return result
    }
}
