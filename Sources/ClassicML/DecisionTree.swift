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

/// Grows one CART tree on column-major features with per-sample weights
/// (bootstrap counts for forests).
struct TreeBuilder {
    let columns: UnsafePointer<Double>  // (features, rows)
    let rows: Int
    let features: Int
    let targets: [Double]  // class index or value
    let classCount: Int  // 0 for regression
    let settings: TreeSettings
    var generator: RandomGenerator
    var nodes = TreeNodes()

    var outputs: Int { classCount > 0 ? classCount : 1 }

    mutating func build(weights: [Double]) -> TreeNodes {
        nodes.outputs = outputs
        nodes.importances = [Double](repeating: 0, count: features)
        var samples = (0..<rows).filter { weights[$0] > 0 }
        let totalWeight = samples.reduce(0) { $0 + weights[$1] }
        grow(&samples, 0..<samples.count, depth: 0, weights: weights, totalWeight: totalWeight, constants: [])
        return nodes
    }

    /// Impurity and the leaf value of a set of samples.
    func summary(_ samples: ArraySlice<Int>, weights: [Double]) -> (impurity: Double, value: [Double], weight: Double) {
        if classCount > 0 {
            var counts = [Double](repeating: 0, count: classCount)
            for s in samples { counts[Int(targets[s])] += weights[s] }
            let total = counts.reduce(0, +)
            return (impurity(counts, total), counts.map { $0 / total }, total)
        }
        var sum = 0.0, squares = 0.0, total = 0.0
        for s in samples { sum += weights[s] * targets[s]; squares += weights[s] * targets[s] * targets[s]; total += weights[s] }
        let mean = sum / total
        return (max(squares / total - mean * mean, 0), [mean], total)
    }

    func impurity(_ counts: [Double], _ total: Double) -> Double {
        guard total > 0 else { return 0 }
        if settings.criterion == .gini {
            var sum = 0.0
            for c in counts { sum += (c / total) * (c / total) }
            return 1 - sum
        }
        var entropy = 0.0
        for c in counts where c > 0 { entropy -= (c / total) * log2(c / total) }
        return entropy
    }

    @discardableResult
    /// `constants`: features known to be constant in this node (constant in an ancestor), never drawn again.
    mutating func grow(_ samples: inout [Int], _ range: Range<Int>, depth: Int, weights: [Double], totalWeight: Double,
                       constants: [Int]) -> Int {
        let node = nodes.feature.count
        let (nodeImpurity, value, nodeWeight) = summary(samples[range], weights: weights)
        nodes.feature.append(-1)
        nodes.threshold.append(-2)
        nodes.left.append(-1)
        nodes.right.append(-1)
        nodes.value.append(contentsOf: value)
        let count = range.count
        guard count >= settings.minSamplesSplit, count >= 2 * settings.minSamplesLeaf,
              settings.maxDepth.map({ depth < $0 }) ?? true, nodeImpurity > 1e-12 else { return node }
        var known = constants
        guard let split = bestSplit(&samples, range, weights: weights, nodeImpurity: nodeImpurity, nodeWeight: nodeWeight,
                                    constants: &known)
        else { return node }
        let decrease = nodeWeight / totalWeight * (nodeImpurity - split.childImpurity)
        guard decrease >= settings.minImpurityDecrease else { return node }
        // Partition the samples, stably: left (≤ threshold) first.
        let column = columns + split.feature * rows
        let slice = Array(samples[range])
        var write = range.lowerBound
        for s in slice where column[s] <= split.threshold { samples[write] = s; write += 1 }
        let middle = write
        for s in slice where column[s] > split.threshold { samples[write] = s; write += 1 }
        nodes.importances[split.feature] += nodeWeight * nodeImpurity - split.weightedChildren
        nodes.feature[node] = split.feature
        nodes.threshold[node] = split.threshold
        nodes.left[node] = grow(&samples, range.lowerBound..<middle, depth: depth + 1, weights: weights,
                                totalWeight: totalWeight, constants: known)
        nodes.right[node] = grow(&samples, middle..<range.upperBound, depth: depth + 1, weights: weights,
                                 totalWeight: totalWeight, constants: known)
        return node
    }

    struct Split {
        var feature: Int
        var threshold: Double
        /// Weighted mean impurity of the children, and its weight-scaled sum.
        var childImpurity: Double
        var weightedChildren: Double
    }

    /// The best split over a random subset of max_features features (visited
    /// in random order; more are drawn while all drawn ones are constant, as
    /// scikit-learn does).
    mutating func bestSplit(_ samples: inout [Int], _ range: Range<Int>, weights: [Double], nodeImpurity: Double,
                            nodeWeight: Double, constants: inout [Int]) -> Split? {
        // Candidates: every feature not already known to be constant here.
        var order: [Int]
        if constants.isEmpty {
            order = Array(0..<features)
        } else {
            var isConstant = [Bool](repeating: false, count: features)
            for feature in constants { isConstant[feature] = true }
            order = (0..<features).filter { !isConstant[$0] }
        }
        let candidates = order.count
        let wanted = settings.featureCount(features)
        var best: Split?
        var bestScore = Double.infinity
        var visitedInformative = 0
        var drawn = 0
        var values = [(Double, Int)](repeating: (0, 0), count: range.count)
        let minLeaf = settings.minSamplesLeaf
        while drawn < candidates && (visitedInformative < wanted) {
            let pick = drawn + Int(generator.next() % UInt64(candidates - drawn))
            order.swapAt(drawn, pick)
            let feature = order[drawn]
            drawn += 1
            let column = columns + feature * rows
            var low = Double.infinity, high = -Double.infinity
            for (offset, s) in samples[range].enumerated() {
                let value = column[s]
                values[offset] = (value, s)
                low = min(low, value)
                high = max(high, value)
            }
            if low >= high {  // constant in this node (and so in its children): no split, no sort
                constants.append(feature)
                continue
            }
            values.withUnsafeMutableBufferPointer { sortByValue($0) }
            visitedInformative += 1
            if classCount > 0 {
                var leftCounts = [Double](repeating: 0, count: classCount)
                var rightCounts = [Double](repeating: 0, count: classCount)
                for (_, s) in values { rightCounts[Int(targets[s])] += weights[s] }
                var leftWeight = 0.0
                // Gini keeps Σcount² of each side up to date: O(1) per position.
                let gini = settings.criterion == .gini
                var leftSquares = 0.0, rightSquares = rightCounts.reduce(0) { $0 + $1 * $1 }
                for position in 0..<(values.count - 1) {
                    let s = values[position].1
                    let w = weights[s]
                    let c = Int(targets[s])
                    if gini {
                        leftSquares += w * (2 * leftCounts[c] + w)
                        rightSquares += w * (w - 2 * rightCounts[c])
                    }
                    leftCounts[c] += w
                    rightCounts[c] -= w
                    leftWeight += w
                    let leftSize = position + 1
                    guard leftSize >= minLeaf, values.count - leftSize >= minLeaf,
                          values[position].0 < values[position + 1].0 else { continue }
                    let rightWeight = nodeWeight - leftWeight
                    let score = gini
                        ? nodeWeight - leftSquares / leftWeight - rightSquares / rightWeight
                        : leftWeight * impurity(leftCounts, leftWeight) + rightWeight * impurity(rightCounts, rightWeight)
                    if score < bestScore - 1e-12 {
                        bestScore = score
                        best = Split(feature: feature, threshold: midpoint(values[position].0, values[position + 1].0),
                                     childImpurity: score / nodeWeight, weightedChildren: score)
                    }
                }
            } else {
                var totalSum = 0.0, totalSquares = 0.0
                for (_, s) in values { totalSum += weights[s] * targets[s]; totalSquares += weights[s] * targets[s] * targets[s] }
                var leftSum = 0.0, leftWeight = 0.0
                for position in 0..<(values.count - 1) {
                    let s = values[position].1
                    leftSum += weights[s] * targets[s]
                    leftWeight += weights[s]
                    let leftSize = position + 1
                    guard leftSize >= minLeaf, values.count - leftSize >= minLeaf,
                          values[position].0 < values[position + 1].0 else { continue }
                    let rightWeight = nodeWeight - leftWeight
                    let rightSum = totalSum - leftSum
                    // Σw(y−ȳ)² per side = Σwy² − (Σwy)²/Σw; the Σwy² terms are common to all splits.
                    let score = totalSquares - leftSum * leftSum / leftWeight - rightSum * rightSum / rightWeight
                    if bestScore == .infinity || score < bestScore - 1e-12 * max(1, abs(bestScore)) {
                        bestScore = score
                        best = Split(feature: feature, threshold: midpoint(values[position].0, values[position + 1].0),
                                     childImpurity: score / nodeWeight, weightedChildren: score)
                    }
                }
            }
        }
        return best
    }

    func midpoint(_ a: Double, _ b: Double) -> Double {
        let middle = a / 2 + b / 2
        return middle >= b ? a : middle
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
        let columns = x.transposed
        columns.values.withUnsafeBufferPointer { pointer in
            var builder = TreeBuilder(columns: pointer.baseAddress!, rows: x.rows, features: x.columns, targets: y,
                                      classCount: classCount, settings: settings, generator: RandomGenerator(seed: seed))
            tree = builder.build(weights: [Double](repeating: 1, count: x.rows))
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
