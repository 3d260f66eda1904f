import DataPrep
import Foundation

/// The `orchard train --estimator` workflow: read a CSV with typed columns,
/// fit the preprocessing recipe, fit the estimator, measure it on the test
/// file (or the training data) and save it. Every input is checked before
/// anything is written; a failure leaves no model behind.
public struct EstimatorTraining {
    public struct Settings: Sendable {
        public var estimator: String
        public var parameters: [String: ParameterValue] = [:]
        public var target: String?
        public var recipe = TabularRecipe.Options()
        public var seed: UInt64 = 0

        public init(estimator: String) { self.estimator = estimator }
    }

    public struct Result {
        public var estimator: String
        public var trainSeconds: Double
        public var metrics: [String: Double]
        public var trainMetrics: [String: Double]
        public var saved: SavedEstimator
        /// The fitted estimator itself.
        public var fitted: any Estimator
    }

    /// Trains on `trainPath`, scores on `testPath` if given, saves to `output` if given.
    public static func run(_ settings: Settings, trainPath: String, testPath: String?, output: URL?) throws -> Result {
        let type = try EstimatorRegistry.type(named: settings.estimator)
        let (estimator, resolved) = try EstimatorRegistry.make(settings.estimator, parameters: settings.parameters)
        let table = try TabularCSV.read(path: trainPath)
        let targets = try Targets(table: table, target: settings.target, task: type.task,
                                  acceptsUnlabeled: type.acceptsUnlabeled)
        let recipe = try TabularRecipe.fit(table, target: settings.target, options: settings.recipe)
        let x = Matrix(rows: table.rowCount, columns: recipe.outputWidth, values: try recipe.transform(table))
        let testData = try testPath.map { path -> (Matrix, [Double]?) in
            let test = try TabularCSV.read(path: path)
            let features = Matrix(rows: test.rowCount, columns: recipe.outputWidth, values: try recipe.transform(test))
            return (features, try targets.encode(test, required: type.task == .classification || type.task == .regression))
        }
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            try estimator.fit(x, targets.values, classCount: targets.classes.count, seed: settings.seed)
        } catch ClassicMLError.negativeFeature(let name, let feature, _, let row, let value) {
            let column = recipe.outputNames.indices.contains(feature) ? recipe.outputNames[feature] : nil
            throw ClassicMLError.negativeFeature(estimator: name, feature: feature, column: column, row: row, value: value)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let trainMetrics = score(estimator, task: type.task, x, targets.hasValues ? targets.values : nil)
        let metrics = testData.map { score(estimator, task: type.task, $0.0, $0.1) } ?? trainMetrics
        var training: [String: ParameterValue] = ["seed": .number(Double(settings.seed)), "data": .string(trainPath),
                                                  "train_seconds": .number(seconds)]
        if let target = settings.target { training["target"] = .string(target) }
        let saved = SavedEstimator(
            name: type.name, task: type.task, parameters: resolved, classes: targets.classes,
            numericClasses: targets.numericClasses, recipe: recipe, state: estimator.exportState(),
            featureImportances: estimator.featureImportances, training: training, metrics: metrics,
            trainMetrics: trainMetrics)
        if let output { try saved.save(to: output) }
        return Result(estimator: type.name, trainSeconds: seconds, metrics: metrics, trainMetrics: trainMetrics, saved: saved,
                      fitted: estimator)
    }

    /// accuracy / r2 (+ mse, mae) / inertia (+ adjusted_rand when labels are known).
    public static func score(_ estimator: any Estimator, task: EstimatorTask, _ x: Matrix, _ y: [Double]?) -> [String: Double] {
        let predicted = estimator.predict(x)
        switch task {
        case .classification:
            guard let y else { return [:] }
            // Unlabelled rows (−1, semi-supervised training data) are not scored.
            let scored = y.indices.filter { y[$0] != -1 }
            let truth = scored.map { y[$0] }, guesses = scored.map { predicted[$0] }
            return ["accuracy": Metrics.accuracy(truth, guesses), "f1_macro": Metrics.f1Macro(truth, guesses)]
        case .regression:
            guard let y else { return [:] }
            return ["r2": Metrics.r2(y, predicted), "mse": Metrics.meanSquaredError(y, predicted),
                    "mae": Metrics.meanAbsoluteError(y, predicted)]
        case .clustering:
            var result: [String: Double] = [:]
            if let kmeans = estimator as? KMeans { result["inertia"] = kmeans.score(x) }
            if estimator is DBSCAN {
                result["noise_fraction"] = Double(predicted.filter { $0 < 0 }.count) / Double(max(predicted.count, 1))
            }
            if let y { result["adjusted_rand"] = Metrics.adjustedRand(y, predicted) }
            return result
        case .decomposition:
            guard let pca = estimator as? PCA else { return [:] }
            // Variance of the data kept by the components, measured on these rows.
            let scores = pca.transform(x)
            let means = x.columnMeans
            var total = 0.0
            for i in 0..<x.rows { for j in 0..<x.columns { total += (x[i, j] - means[j]) * (x[i, j] - means[j]) } }
            var kept = 0.0
            let scoreMeans = scores.columnMeans
            for i in 0..<scores.rows { for k in 0..<scores.columns { kept += (scores[i, k] - scoreMeans[k]) * (scores[i, k] - scoreMeans[k]) } }
            return ["explained_variance_ratio": pca.whiten || total == 0 ? pca.explainedVarianceRatio.reduce(0, +) : kept / total,
                    "n_components": Double(scores.columns)]
        }
    }
}

/// The target column turned into what estimators see: class indices
/// (labels sorted, numerically when the column is numeric) or numbers.
struct Targets {
    var values: [Double] = []
    var classes: [String] = []
    var numericClasses = false
    var hasValues = false
    let name: String?
    let task: EstimatorTask

    /// Targets of a saved model, for scoring new files.
    init(classes: [String], numericClasses: Bool, name: String?, task: EstimatorTask) {
        self.classes = classes
        self.numericClasses = numericClasses
        self.name = name
        self.task = task
        hasValues = true
    }

    /// With `acceptsUnlabeled`, empty cells and −1 mark unlabelled rows (target −1).
    init(table: TabularTable, target: String?, task: EstimatorTask, acceptsUnlabeled: Bool = false) throws {
        self.name = target
        self.task = task
        guard let target else {
            guard task == .clustering || task == .decomposition else {
                throw ClassicMLError.invalidTarget("a \(task.rawValue) estimator needs --target naming the column to learn")
            }
            values = [Double](repeating: 0, count: table.rowCount)
            return
        }
        let column = try table.column(named: target)
        let unlabeled: (Int) -> Bool = { row in acceptsUnlabeled && (column.isMissing(row) || column.text(row) == "-1") }
        if let row = (0..<table.rowCount).first(where: { column.isMissing($0) && !unlabeled($0) }) {
            throw ClassicMLError.invalidTarget("\(table.source): target column '\(target)' is empty in data row \(row + 1); "
                                               + "fill or drop the unlabelled rows")
        }
        switch task {
        case .regression:
            guard column.kind == .numeric else {
                throw ClassicMLError.invalidTarget("\(table.source): target column '\(target)' holds text; "
                                                   + "a regressor needs numbers — use a classifier for labels")
            }
            values = column.numbers
        case .decomposition:
            values = [Double](repeating: 0, count: table.rowCount)
        case .classification, .clustering:
            numericClasses = column.kind == .numeric
            let labelled = (0..<table.rowCount).filter { !unlabeled($0) }
            if numericClasses {
                classes = Array(Set(labelled.map { column.numbers[$0] })).sorted().map(TabularColumn.format)
            } else {
                classes = Array(Set(labelled.compactMap { column.texts[$0] })).sorted()
            }
            if task == .classification && classes.count < 2 {
                throw ClassicMLError.oneClass(target: target, label: classes.first ?? "")
            }
            values = try encode(table, required: true)!
            for row in 0..<table.rowCount where unlabeled(row) { values[row] = -1 }
        }
        hasValues = true
    }

    /// The target column of `table` as estimator targets; nil when absent and not required.
    func encode(_ table: TabularTable, required: Bool) throws -> [Double]? {
        guard let name else { return nil }
        guard table.columnNames.contains(name) else {
            if required { _ = try table.column(named: name) }
            return nil
        }
        let column = try table.column(named: name)
        if task == .regression { return column.numbers }
        if task == .decomposition { return nil }
        if task == .clustering {
            // Only the grouping matters (adjusted Rand): number labels by first appearance.
            var seen: [String: Double] = [:]
            return (0..<table.rowCount).map { row in
                let label = column.text(row) ?? ""
                if let code = seen[label] { return code }
                seen[label] = Double(seen.count)
                return seen[label]!
            }
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Double($0)) })
        // Labels unseen in training map to −2: always counted as wrong.
        return (0..<table.rowCount).map { row in column.text(row).flatMap { index[$0] } ?? -2 }
    }
}
