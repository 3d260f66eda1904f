import Foundation
import Tensor

/// scikit-learn's RandomForestClassifier / RandomForestRegressor: bootstrap
/// samples (as per-sample counts), max_features per split, trees grown in
/// parallel on Orchard's pool. Tree t draws from a generator seeded by
/// (seed, t), so the forest does not depend on the thread count.
public class RandomForest {
    let settings: TreeSettings
    let treeCount: Int
    let bootstrap: Bool
    var trees: [TreeNodes] = []
    var classCount = 0
    var featureCount = 0

    init(parameters: inout Parameters, classifier: Bool) throws {
        treeCount = try parameters.int("n_estimators", 100, "n_estimators ≥ 1") { $0 >= 1 }
        bootstrap = try parameters.bool("bootstrap", true)
        _ = parameters.raw("n_jobs", .none)
        settings = try TreeSettings.read(&parameters, classifier: classifier,
                                         defaultMaxFeatures: classifier ? .string("sqrt") : .number(1))
    }

    func fitForest(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) {
        self.classCount = classCount
        featureCount = x.columns
        let columns = FeatureColumns(x)
        var built = [TreeNodes](repeating: TreeNodes(), count: treeCount)
        let rows = x.rows
        columns.withKeys { keys in
            y.withUnsafeBufferPointer { targets in
                built.withUnsafeMutableBufferPointer { output in
                    let target = output
                    Parallel.forEach(treeCount) { t in
                        var generator = RandomGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(t) &+ 1)
                        var weights = [Double](repeating: bootstrap ? 0 : 1, count: rows)
                        if bootstrap { for _ in 0..<rows { weights[Int(generator.next() % UInt64(rows))] += 1 } }
                        let builder = TreeBuilder(keys: keys, rows: rows, features: x.columns,
                                                  targets: targets.baseAddress!, classCount: classCount, settings: settings,
                                                  generator: generator.fork())
                        target[t] = builder.build(weights: weights)
                    }
                }
            }
        }
        trees = built
    }

    /// Mean of the trees' leaf values (rows, outputs).
    func averaged(_ x: Matrix) -> Matrix {
        let outputs = trees.first?.outputs ?? 1
        var out = Matrix(rows: x.rows, columns: outputs)
        x.values.withUnsafeBufferPointer { values in
            out.values.withUnsafeMutableBufferPointer { result in
                let sink = result
                Parallel.forChunks(x.rows, grain: 64) { range in
                    for i in range {
                        let row = values.baseAddress! + i * x.columns
                        for tree in trees {
                            let leaf = tree.leaf(for: row)
                            for o in 0..<outputs { sink[i * outputs + o] += tree.value[leaf * outputs + o] }
                        }
                        for o in 0..<outputs { sink[i * outputs + o] /= Double(trees.count) }
                    }
                }
            }
        }
        return out
    }

    public var featureImportances: [Double]? {
        var total = [Double](repeating: 0, count: featureCount)
        for tree in trees {
            for (j, value) in normalised(tree.importances).enumerated() { total[j] += value }
        }
        return normalised(total)
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        state.scalars["feature_count"] = .number(Double(featureCount))
        state.scalars["tree_count"] = .number(Double(trees.count))
        for (t, tree) in trees.enumerated() { tree.export(prefix: "tree\(t).", into: &state) }
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classCount = Int(try state.number("class_count", estimator: "random_forest"))
        featureCount = Int(try state.number("feature_count", estimator: "random_forest"))
        let count = Int(try state.number("tree_count", estimator: "random_forest"))
        trees = try (0..<count).map { try TreeNodes(prefix: "tree\($0).", state: state, estimator: "random_forest") }
    }
}

public final class RandomForestClassifier: RandomForest, Estimator {
    public static let name = "random_forest"
    public static let task = EstimatorTask.classification

    public required init(parameters: inout Parameters) throws { try super.init(parameters: &parameters, classifier: true) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitForest(x, y, classCount: classCount, seed: seed)
    }

    public func predictProba(_ x: Matrix) -> Matrix? { averaged(x) }
    public func predict(_ x: Matrix) -> [Double] {
        let p = averaged(x)
        return (0..<x.rows).map { Double(argmax(p.row($0))) }
    }
}

public final class RandomForestRegressor: RandomForest, Estimator {
    public static let name = "random_forest_regressor"
    public static let task = EstimatorTask.regression

    public required init(parameters: inout Parameters) throws { try super.init(parameters: &parameters, classifier: false) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitForest(x, y, classCount: 0, seed: seed)
    }

    public func predict(_ x: Matrix) -> [Double] { averaged(x).values }
}
