import Foundation
import Tensor

/// A fitted CART tree in flat arrays. Node 0 is the root; a leaf has
/// feature −1. Classification leaves hold class fractions, regression leaves
/// the mean target.
struct TreeNodes {
    var feature: [Int] = []
    var threshold: [Double] = []
    var left: [Int] = []
    var right: [Int] = []
    /// (nodes, outputs)
    var value: [Double] = []
    var outputs = 1
    /// Weighted impurity decrease per feature (unnormalised).
    var importances: [Double] = []

    func leaf(for row: UnsafePointer<Double>) -> Int {
        var node = 0
        while feature[node] >= 0 { node = row[feature[node]] <= threshold[node] ? left[node] : right[node] }
        return node
    }

    func export(prefix: String, into state: inout EstimatorState) {
        state.arrays[prefix + "feature"] = ([feature.count], feature.map(Double.init))
        state.arrays[prefix + "threshold"] = ([threshold.count], threshold)
        state.arrays[prefix + "left"] = ([left.count], left.map(Double.init))
        state.arrays[prefix + "right"] = ([right.count], right.map(Double.init))
        state.arrays[prefix + "value"] = ([feature.count, outputs], value)
        state.arrays[prefix + "importances"] = ([importances.count], importances)
    }

    init() {}

    init(prefix: String, state: EstimatorState, estimator: String) throws {
        feature = try state.array(prefix + "feature", estimator: estimator).map { Int($0) }
        threshold = try state.array(prefix + "threshold", estimator: estimator)
        left = try state.array(prefix + "left", estimator: estimator).map { Int($0) }
        right = try state.array(prefix + "right", estimator: estimator).map { Int($0) }
        value = try state.array(prefix + "value", estimator: estimator)
        importances = try state.array(prefix + "importances", estimator: estimator)
        outputs = feature.isEmpty ? 1 : value.count / feature.count
        for node in feature.indices where feature[node] >= 0 {
            guard left[node] > node, left[node] < feature.count, right[node] > node, right[node] < feature.count else {
                throw ClassicMLError.invalidModel("\(estimator): tree '\(prefix)' has a child link out of order at node \(node)")
            }
        }
    }
}

/// Settings of CART growth, with scikit-learn's names.
struct TreeSettings {
    enum Criterion: String { case gini, entropy, squaredError = "squared_error" }
    var criterion: Criterion
    var maxDepth: Int?
    var minSamplesSplit: Int
    var minSamplesLeaf: Int
    var maxFeatures: ParameterValue
    var minImpurityDecrease: Double

    static func read(_ parameters: inout Parameters, classifier: Bool, defaultMaxFeatures: ParameterValue) throws -> TreeSettings {
        let criterion = try parameters.string("criterion", classifier ? "gini" : "squared_error",
                                              allowed: classifier ? ["gini", "entropy", "log_loss"] : ["squared_error"])
        let maxDepth = try parameters.optionalInt("max_depth", nil, "max_depth ≥ 1 or None") { $0 >= 1 }
        let split = try parameters.int("min_samples_split", 2, "min_samples_split ≥ 2") { $0 >= 2 }
        let leaf = try parameters.int("min_samples_leaf", 1, "min_samples_leaf ≥ 1") { $0 >= 1 }
        let maxFeatures = parameters.raw("max_features", defaultMaxFeatures)
        switch maxFeatures {
        case .none: break
        case .string(let text) where ["sqrt", "log2"].contains(text): break
        case .number(let number) where number > 0: break
        default:
            throw ClassicMLError.invalidParameter(estimator: parameters.estimator, name: "max_features",
                                                  value: maxFeatures.description,
                                                  expected: "'sqrt', 'log2', None, an integer ≥ 1 or a fraction in (0, 1]")
        }
        let decrease = try parameters.double("min_impurity_decrease", 0, "min_impurity_decrease ≥ 0") { $0 >= 0 }
        return TreeSettings(criterion: criterion == "gini" ? .gini : criterion == "squared_error" ? .squaredError : .entropy,
                            maxDepth: maxDepth, minSamplesSplit: split, minSamplesLeaf: leaf,
                            maxFeatures: maxFeatures, minImpurityDecrease: decrease)
    }

    /// Features drawn per split. Numbers above 1 count features; numbers in
    /// (0, 1] are fractions (so 1.0, the regressor forests' default, is all).
    func featureCount(_ total: Int) -> Int {
        switch maxFeatures {
        case .string("sqrt"): return max(1, Int(Double(total).squareRoot()))
        case .string("log2"): return max(1, Int(log2(Double(total))))
        case .number(let number) where number > 1: return min(total, Int(number))
        case .number(let fraction): return max(1, Int(fraction * Double(total)))
        default: return total
        }
    }
}

/// scikit-learn's DecisionTreeClassifier and DecisionTreeRegressor.
public class DecisionTree {
    let settings: TreeSettings
    var tree = TreeNodes()
    var classCount = 0
    var featureCount = 0

    init(settings: TreeSettings) { self.settings = settings }

    func fitTree(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) {
        self.classCount = classCount
        featureCount = x.columns
        let columns = FeatureColumns(x)
        columns.withKeys { keys in
            y.withUnsafeBufferPointer { targets in
                let builder = TreeBuilder(keys: keys, rows: x.rows, features: x.columns,
                                          targets: targets.baseAddress!, classCount: classCount, settings: settings,
                                          generator: RandomGenerator(seed: seed))
                tree = builder.build(weights: [Double](repeating: 1, count: x.rows))
            }
        }
    }

    /// Leaf values (rows, outputs).
    func leafValues(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, columns: tree.outputs)
        x.values.withUnsafeBufferPointer { values in
            for i in 0..<x.rows {
                let leaf = tree.leaf(for: values.baseAddress! + i * x.columns)
                for o in 0..<tree.outputs { out[i, o] = tree.value[leaf * tree.outputs + o] }
            }
        }
        return out
    }

    public var featureImportances: [Double]? { normalised(tree.importances) }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        tree.export(prefix: "tree.", into: &state)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classCount = Int(try state.number("class_count", estimator: "decision_tree"))
        tree = try TreeNodes(prefix: "tree.", state: state, estimator: "decision_tree")
    }
}

func normalised(_ values: [Double]) -> [Double] {
    let total = values.reduce(0, +)
    return total > 0 ? values.map { $0 / total } : values
}

public final class DecisionTreeClassifier: DecisionTree, Estimator {
    public static let name = "decision_tree"
    public static let task = EstimatorTask.classification

    public required init(parameters: inout Parameters) throws {
        super.init(settings: try TreeSettings.read(&parameters, classifier: true, defaultMaxFeatures: .none))
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitTree(x, y, classCount: classCount, seed: seed)
    }

    public func predictProba(_ x: Matrix) -> Matrix? { leafValues(x) }
    public func predict(_ x: Matrix) -> [Double] {
        let p = leafValues(x)
        return (0..<x.rows).map { Double(argmax(p.row($0))) }
    }
}

public final class DecisionTreeRegressor: DecisionTree, Estimator {
    public static let name = "decision_tree_regressor"
    public static let task = EstimatorTask.regression

    public required init(parameters: inout Parameters) throws {
        super.init(settings: try TreeSettings.read(&parameters, classifier: false, defaultMaxFeatures: .none))
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitTree(x, y, classCount: 0, seed: seed)
    }

    public func predict(_ x: Matrix) -> [Double] { leafValues(x).values }
}
