import DataPrep
import Foundation

/// A loaded estimator that predicts and evaluates on raw CSV rows,
/// replaying the saved preprocessing recipe (strings, blanks and all).
public struct EstimatorRunner {
    public let saved: SavedEstimator
    public let estimator: any Estimator

    public init(directory: URL) throws {
        saved = try SavedEstimator.load(from: directory)
        estimator = try saved.makeEstimator()
    }

    public struct Predictions {
        /// Class labels, values or cluster indices, one per row.
        public var labels: [String]
        public var values: [Double]
        /// (rows, classes), for classifiers that estimate probabilities.
        public var probabilities: Matrix?
        /// (rows, components), for decompositions.
        public var components: Matrix?
        public var classes: [String]
    }

    func features(_ table: TabularTable) throws -> Matrix {
        Matrix(rows: table.rowCount, columns: saved.recipe.outputWidth, values: try saved.recipe.transform(table))
    }

    public func predict(table: TabularTable) throws -> Predictions {
        let x = try features(table)
        let predicted = estimator.predict(x)
        let labels: [String]
        switch saved.task {
        case .classification: labels = predicted.map { saved.classes[Int($0)] }
        case .regression, .clustering, .decomposition: labels = predicted.map(TabularColumn.format)
        }
        let values = saved.task == .classification && saved.numericClasses ? labels.map { Double($0) ?? .nan } : predicted
        return Predictions(labels: labels, values: values, probabilities: estimator.predictProba(x),
                           components: saved.task == .decomposition ? estimator.transform(x) : nil, classes: saved.classes)
    }

    public func predict(csvPath: String) throws -> Predictions {
        try predict(table: TabularCSV.read(path: csvPath))
    }

    /// The training metrics recomputed on a labelled CSV.
    public func evaluate(csvPath: String) throws -> [String: Double] {
        let table = try TabularCSV.read(path: csvPath)
        let targets = Targets(classes: saved.classes, numericClasses: saved.numericClasses, name: saved.recipe.target,
                              task: saved.task)
        let y = try targets.encode(table, required: saved.task == .classification || saved.task == .regression)
        var metrics = EstimatorTraining.score(estimator, task: saved.task, try features(table), y)
        metrics["samples"] = Double(table.rowCount)
        return metrics
    }
}
