import Foundation
import Tensor

/// scikit-learn's GradientBoostingClassifier / GradientBoostingRegressor:
/// stage-wise regression trees on the loss gradient, shrunk by
/// learning_rate; optional row subsampling per stage (stochastic boosting).
/// Squared error for regression; log-loss for classification (one output
/// for two classes, one tree per class and stage otherwise), leaves set by a
/// Newton step as in Friedman (2001). friedman_mse ranks splits exactly as
/// squared error does, so one tree builder serves both.
public class GradientBoosting {
    let stageCount: Int
    let learningRate: Double
    let subsample: Double
    let settings: TreeSettings
    /// (stages × outputs) trees, stage-major
    var trees: [TreeNodes] = []
    /// (outputs) the initial raw score
    var initial: [Double] = []
    var outputs = 1
    var classCount = 0
    var featureCount = 0

    init(parameters: inout Parameters, classifier: Bool) throws {
        stageCount = try parameters.int("n_estimators", 100, "n_estimators ≥ 1") { $0 >= 1 }
        learningRate = try parameters.double("learning_rate", 0.1, "learning_rate > 0") { $0 > 0 }
        subsample = try parameters.double("subsample", 1.0, "0 < subsample ≤ 1") { $0 > 0 && $0 <= 1 }
        _ = try parameters.string("loss", classifier ? "log_loss" : "squared_error",
                                  allowed: classifier ? ["log_loss"] : ["squared_error"])
        _ = try parameters.string("criterion", "friedman_mse", allowed: ["friedman_mse", "squared_error"])
        let maxDepth = try parameters.optionalInt("max_depth", 3, "max_depth ≥ 1 or None") { $0 >= 1 }
        let split = try parameters.int("min_samples_split", 2, "min_samples_split ≥ 2") { $0 >= 2 }
        let leaf = try parameters.int("min_samples_leaf", 1, "min_samples_leaf ≥ 1") { $0 >= 1 }
        let maxFeatures = parameters.raw("max_features", .none)
        let decrease = try parameters.double("min_impurity_decrease", 0, "min_impurity_decrease ≥ 0") { $0 >= 0 }
        settings = TreeSettings(criterion: .squaredError, maxDepth: maxDepth, minSamplesSplit: split, minSamplesLeaf: leaf,
                                maxFeatures: maxFeatures, minImpurityDecrease: decrease)
    }

    func fitBoosting(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) {
        self.classCount = classCount
        featureCount = x.columns
        let n = x.rows
        outputs = classCount > 2 ? classCount : 1
        // Initial raw scores: the mean (regression), log-odds (binary), log-priors (multiclass).
        if classCount == 0 {
            initial = [y.reduce(0, +) / Double(n)]
        } else if classCount == 2 {
            let positive = min(max(y.reduce(0, +) / Double(n), 1e-12), 1 - 1e-12)
            initial = [log(positive / (1 - positive))]
        } else {
            initial = (0..<classCount).map { c in log(max(Double(y.filter { Int($0) == c }.count) / Double(n), 1e-12)) }
        }
        var raw = [Double](repeating: 0, count: n * outputs)
        for i in 0..<n { for k in 0..<outputs { raw[i * outputs + k] = initial[k] } }
        let columns = FeatureColumns(x)
        var generator = RandomGenerator(seed: seed)
        trees = []
        columns.withKeys { pointer in
            x.values.withUnsafeBufferPointer { rowsPointer in
                for _ in 0..<stageCount {
                    // Rows of this stage (without replacement when subsampling).
                    var weights = [Double](repeating: 1, count: n)
                    if subsample < 1 {
                        var order = Array(0..<n)
                        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
                        weights = [Double](repeating: 0, count: n)
                        for i in order.prefix(max(1, Int(subsample * Double(n)))) { weights[i] = 1 }
                    }
                    let probabilities = self.probabilities(raw, rows: n)
                    var stageTrees: [TreeNodes] = []
                    for k in 0..<outputs {
                        // Negative gradient of the loss.
                        let residual: [Double] = (0..<n).map { i in
                            if classCount == 0 { return y[i] - raw[i] }
                            let truth: Double = classCount == 2 ? y[i] : (Int(y[i]) == k ? 1 : 0)
                            return truth - probabilities[i * outputs + k]
                        }
                        var tree = residual.withUnsafeBufferPointer { targets in
                            TreeBuilder(keys: pointer, rows: n, features: x.columns,
                                        targets: targets.baseAddress!, classCount: 0, settings: settings,
                                        generator: generator.fork()).build(weights: weights)
                        }
                        if classCount > 0 {
                            // Newton step per leaf: Σr / Σ|r|(1−|r|), times (K−1)/K for K classes.
                            var numerator = [Double](repeating: 0, count: tree.feature.count)
                            var denominator = [Double](repeating: 0, count: tree.feature.count)
                            for i in 0..<n where weights[i] > 0 {
                                let leaf = tree.leaf(for: rowsPointer.baseAddress! + i * x.columns)
                                numerator[leaf] += residual[i]
                                denominator[leaf] += abs(residual[i]) * (1 - abs(residual[i]))
                            }
                            let scale = classCount == 2 ? 1.0 : Double(classCount - 1) / Double(classCount)
                            for node in tree.feature.indices where tree.feature[node] < 0 {
                                tree.value[node] = denominator[node] < 1e-150 ? 0 : scale * numerator[node] / denominator[node]
                            }
                        }
                        for i in 0..<n {
                            let leaf = tree.leaf(for: rowsPointer.baseAddress! + i * x.columns)
                            raw[i * outputs + k] += learningRate * tree.value[leaf]
                        }
                        stageTrees.append(tree)
                    }
                    trees += stageTrees
                }
            }
        }
    }

    /// Class probabilities from raw scores (rows, outputs), for classification.
    func probabilities(_ raw: [Double], rows: Int) -> [Double] {
        guard classCount > 0 else { return [] }
        if outputs == 1 { return raw.map { 1 / (1 + exp(-$0)) } }
        var out = raw
        for i in 0..<rows {
            let base = i * outputs
            let top = raw[base..<(base + outputs)].max()!
            var sum = 0.0
            for k in 0..<outputs { out[base + k] = exp(raw[base + k] - top); sum += out[base + k] }
            for k in 0..<outputs { out[base + k] /= sum }
        }
        return out
    }

    /// Raw scores (rows × outputs), row-major.
    func rawScores(_ x: Matrix) -> [Double] {
        var raw = [Double](repeating: 0, count: x.rows * outputs)
        x.values.withUnsafeBufferPointer { values in
            for i in 0..<x.rows {
                for k in 0..<outputs {
                    var score = initial[k]
                    var t = k
                    while t < trees.count {
                        let tree = trees[t]
                        score += learningRate * tree.value[tree.leaf(for: values.baseAddress! + i * x.columns)]
                        t += outputs
                    }
                    raw[i * outputs + k] = score
                }
            }
        }
        return raw
    }

    public var featureImportances: [Double]? {
        var total = [Double](repeating: 0, count: featureCount)
        for tree in trees { for (j, value) in normalised(tree.importances).enumerated() { total[j] += value } }
        return normalised(total)
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        state.scalars["feature_count"] = .number(Double(featureCount))
        state.scalars["outputs"] = .number(Double(outputs))
        state.scalars["tree_count"] = .number(Double(trees.count))
        state.arrays["init"] = ([initial.count], initial)
        for (t, tree) in trees.enumerated() { tree.export(prefix: "tree\(t).", into: &state) }
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classCount = Int(try state.number("class_count", estimator: "gradient_boosting"))
        featureCount = Int(try state.number("feature_count", estimator: "gradient_boosting"))
        outputs = Int(try state.number("outputs", estimator: "gradient_boosting"))
        initial = try state.array("init", estimator: "gradient_boosting")
        let count = Int(try state.number("tree_count", estimator: "gradient_boosting"))
        trees = try (0..<count).map { try TreeNodes(prefix: "tree\($0).", state: state, estimator: "gradient_boosting") }
    }
}

public final class GradientBoostingClassifier: GradientBoosting, Estimator {
    public static let name = "gradient_boosting"
    public static let task = EstimatorTask.classification

    public required init(parameters: inout Parameters) throws { try super.init(parameters: &parameters, classifier: true) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitBoosting(x, y, classCount: classCount, seed: seed)
    }

    public func predictProba(_ x: Matrix) -> Matrix? {
        let p = probabilities(rawScores(x), rows: x.rows)
        if outputs == 1 {
            return Matrix(rows: x.rows, columns: 2, values: p.flatMap { [1 - $0, $0] })
        }
        return Matrix(rows: x.rows, columns: outputs, values: p)
    }

    public func predict(_ x: Matrix) -> [Double] {
        let p = predictProba(x)!
        return (0..<x.rows).map { Double(argmax(p.row($0))) }
    }
}

public final class GradientBoostingRegressor: GradientBoosting, Estimator {
    public static let name = "gradient_boosting_regressor"
    public static let task = EstimatorTask.regression

    public required init(parameters: inout Parameters) throws { try super.init(parameters: &parameters, classifier: false) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitBoosting(x, y, classCount: 0, seed: seed)
    }

    public func predict(_ x: Matrix) -> [Double] { rawScores(x) }
}
