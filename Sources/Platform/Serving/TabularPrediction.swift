import ClassicML
import DataPrep
import Foundation
import NeuralNet

/// One raw column a deployed estimator takes.
public struct TabularInput: Sendable, Equatable {
    public var name: String
    /// "numeric" or "text"
    public var kind: String
}

/// What a deployed estimator answers for a batch of raw rows.
public struct TabularPredictions: Sendable {
    /// classification, regression, clustering or decomposition
    public var task: String
    /// The prediction of each row: a class label, a value, a cluster.
    public var labels: [JSONValue]
    /// Per row, one probability per class (classifiers that estimate them).
    public var probabilities: [[Double]]?
    /// Class labels in probability order.
    public var classes: [String]
    /// Per row, the projected components (PCA).
    public var components: [[Double]]?

    /// Width of the numeric output of a fitted estimator (predict with FP32 tensors).
    static func outputWidth(_ saved: SavedEstimator, _ estimator: any Estimator) -> Int {
        switch saved.task {
        case .classification:
            return estimator.predictProba(Matrix(rows: 1, columns: saved.recipe.outputWidth,
                                                 values: [Double](repeating: 0, count: saved.recipe.outputWidth))) == nil
                ? 1 : saved.classes.count
        case .decomposition:
            return estimator.transform(Matrix(rows: 1, columns: saved.recipe.outputWidth,
                                              values: [Double](repeating: 0, count: saved.recipe.outputWidth))).columns
        case .regression, .clustering:
            return 1
        }
    }
}

extension LoadedModel {
    /// The raw columns of an estimator, in training order; nil for networks.
    public var tabularInputs: [TabularInput]? {
        estimator?.saved.recipe.columns.map { TabularInput(name: $0.name, kind: $0.kind.rawValue) }
    }

    /// A JSON cell as CSV text: nil (blank) for null or "", numbers in their
    /// shortest form ("3", not "3.0", so a category spelled 3 matches).
    public static func cell(_ value: JSONValue) -> String? {
        switch value {
        case .null: return nil
        case .string(let text): return text.isEmpty ? nil : text
        case .number(let number): return TabularColumn.format(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return String(decoding: value.serialized(), as: UTF8.self)
        }
    }

    /// Predicts raw rows given as cells per column name (nil = blank); the
    /// target column, if sent, is ignored; a missing or unknown column is an
    /// error naming it. `field` prefixes column names in errors.
    public func predict(cells: [String: [String?]], rows: Int, field: String) throws -> TabularPredictions {
        guard let runner = estimator, let inputs = tabularInputs else {
            throw ServiceError.invalid(field: field, message: "model '\(name)' is a network; send a numeric tensor")
        }
        let known = Set(inputs.map(\.name))
        if let unknown = cells.keys.sorted().first(where: { !known.contains($0) && $0 != preprocessing.target }) {
            throw ServiceError.invalid(field: "\(field).\(unknown)",
                                       message: "unknown column; the model takes \(inputs.map(\.name).joined(separator: ", "))")
        }
        var columns: [TabularColumn] = []
        for input in inputs {
            guard let values = cells[input.name] else {
                throw ServiceError.invalid(field: "\(field).\(input.name)",
                                           message: "missing column; the model takes \(inputs.map(\.name).joined(separator: ", "))")
            }
            guard values.count == rows else {
                throw ServiceError.invalid(field: "\(field).\(input.name)", message: "\(values.count) values; expected \(rows)")
            }
            columns.append(TabularColumn(name: input.name, cells: values))
        }
        let table = TabularTable(columns: columns, rowCount: rows, source: field)
        let predictions: EstimatorRunner.Predictions
        do { predictions = try runner.predict(table: table) } catch {
            throw ServiceError.invalid(field: field, message: "\(error)".replacingOccurrences(of: "\(field): ", with: ""))
        }
        let saved = runner.saved
        let numeric = saved.task != .classification || saved.numericClasses
        func rowsOf(_ matrix: Matrix?) -> [[Double]]? {
            matrix.map { m in (0..<m.rows).map { row in (0..<m.columns).map { m[row, $0] } } }
        }
        return TabularPredictions(
            task: saved.task.rawValue,
            labels: zip(predictions.labels, predictions.values).map { numeric ? .number($1) : .string($0) },
            probabilities: rowsOf(predictions.probabilities), classes: predictions.classes,
            components: rowsOf(predictions.components))
    }

    /// Rows × raw columns of numbers (FP32 tensors) → probabilities or predictions.
    func predictNumeric(_ values: [Float], rows: Int) throws -> [Float] {
        let inputs = tabularInputs ?? []
        var cells: [String: [String?]] = [:]
        for (column, input) in inputs.enumerated() {
            cells[input.name] = (0..<rows).map { row in
                let value = values[row * inputs.count + column]
                return value.isNaN ? nil : TabularColumn.format(Double(value))
            }
        }
        let predictions = try predict(cells: cells, rows: rows, field: "inputs")
        if outputSize > 1, let probabilities = predictions.probabilities {
            return probabilities.flatMap { $0.map(Float.init) }
        }
        if let components = predictions.components { return components.flatMap { $0.map(Float.init) } }
        // Numeric predictions; text labels as their class index.
        return predictions.labels.map { label in
            label.number.map(Float.init) ?? Float(predictions.classes.firstIndex(of: label.string ?? "") ?? -1)
        }
    }
}

extension LoadedModel {
    /// classification, regression, clustering or decomposition; nil for networks.
    public var estimatorTask: String? { estimator?.saved.task.rawValue }

    /// Whether predicted labels are numbers (regression, clusters, numeric classes) rather than text.
    public var numericLabels: Bool {
        guard let saved = estimator?.saved else { return true }
        return saved.task != .classification || saved.numericClasses
    }
}
