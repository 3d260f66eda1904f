import DataPrep
import Foundation

extension EstimatorRunner {
    /// A runner over an estimator fitted in this process (no round trip through disk).
    public init(saved: SavedEstimator, estimator: any Estimator) {
        self.saved = saved
        self.estimator = estimator
    }

    public struct Evaluation {
        /// The training metrics (accuracy and f1_macro, r2/mse/mae, inertia/adjusted_rand…) on these rows.
        public var metrics: [String: Double]
        /// Targets as estimators see them: class indices (−2 for a label unseen
        /// in training, −1 unlabelled), values, or groups; nil without a target column.
        public var truth: [Double]?
        public var predicted: [Double]
    }

    /// Metrics, targets and predictions of a table with raw features.
    public func evaluate(table: TabularTable) throws -> Evaluation {
        let targets = Targets(classes: saved.classes, numericClasses: saved.numericClasses, name: saved.recipe.target,
                              task: saved.task)
        let truth = try targets.encode(table, required: saved.task == .classification || saved.task == .regression)
        let x = try features(table)
        return Evaluation(metrics: EstimatorTraining.score(estimator, task: saved.task, x, truth), truth: truth,
                          predicted: estimator.predict(x))
    }
}
