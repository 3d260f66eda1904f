import Foundation

/// scikit-learn's LabelSpreading with the RBF kernel (Zhou et al. 2004):
/// labels spread over the normalised affinity graph S = D^-½ W D^-½ (zero
/// diagonal), F ← α·S·F + (1 − α)·Y₀, until the distributions move less than
/// tol (summed) or max_iter. Unlabelled rows have target −1 (or an empty cell).
public final class LabelSpreading: Estimator {
    public static let name = "label_spreading"
    public static let task = EstimatorTask.classification
    public static var acceptsUnlabeled: Bool { true }
    let gamma: Double
    let alpha: Double
    let maxIterations: Int
    let tolerance: Double
    /// (rows, features)
    var training = Matrix(rows: 0, columns: 0)
    /// (rows, classes)
    var distributions = Matrix(rows: 0, columns: 0)

    public init(parameters: inout Parameters) throws {
        _ = try parameters.string("kernel", "rbf", allowed: ["rbf"])
        gamma = try parameters.double("gamma", 20, "gamma > 0") { $0 > 0 }
        alpha = try parameters.double("alpha", 0.2, "0 < alpha < 1") { $0 > 0 && $0 < 1 }
        maxIterations = try parameters.int("max_iter", 30, "max_iter ≥ 1") { $0 >= 1 }
        tolerance = try parameters.double("tol", 1e-3, "tol ≥ 0") { $0 >= 0 }
    }

    func affinity(_ a: Matrix, _ b: Matrix) -> Matrix {
        var k = a.multiplied(by: b, transposeOther: true)
        let aNorms = (0..<a.rows).map { i in a.row(i).reduce(0) { $0 + $1 * $1 } }
        let bNorms = (0..<b.rows).map { i in b.row(i).reduce(0) { $0 + $1 * $1 } }
        for i in 0..<a.rows {
            for j in 0..<b.rows { k[i, j] = exp(-gamma * max(aNorms[i] + bNorms[j] - 2 * k[i, j], 0)) }
        }
        return k
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let n = x.rows
        training = x
        var graph = affinity(x, x)
        for i in 0..<n { graph[i, i] = 0 }
        let degrees = (0..<n).map { i -> Double in
            let sum = graph.row(i).reduce(0, +)
            return sum == 0 ? 1 : sum.squareRoot()
        }
        for i in 0..<n { for j in 0..<n { graph[i, j] /= degrees[i] * degrees[j] } }
        var initial = Matrix(rows: n, columns: classCount)
        for i in 0..<n where y[i] >= 0 { initial[i, Int(y[i])] = 1 }
        var current = initial
        for _ in 0..<maxIterations {
            var next = graph.multiplied(by: current)
            for k in next.values.indices { next.values[k] = alpha * next.values[k] + (1 - alpha) * initial.values[k] }
            let change = zip(next.values, current.values).reduce(0) { $0 + abs($1.0 - $1.1) }
            current = next
            if change < tolerance { break }
        }
        for i in 0..<n {
            let sum = current.row(i).reduce(0, +)
            if sum != 0 { for c in 0..<classCount { current[i, c] /= sum } }
        }
        distributions = current
    }

    public func predictProba(_ x: Matrix) -> Matrix? {
        var p = affinity(x, training).multiplied(by: distributions)
        for i in 0..<x.rows {
            let sum = p.row(i).reduce(0, +)
            if sum != 0 { for c in 0..<p.columns { p[i, c] /= sum } }
        }
        return p
    }

    public func predict(_ x: Matrix) -> [Double] {
        let p = predictProba(x)!
        return (0..<x.rows).map { Double(argmax(p.row($0))) }
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.arrays["X"] = ([training.rows, training.columns], training.values)
        state.arrays["label_distributions"] = ([distributions.rows, distributions.columns], distributions.values)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        guard let x = state.arrays["X"], x.shape.count == 2,
              let d = state.arrays["label_distributions"], d.shape.count == 2 else {
            throw ClassicMLError.invalidModel("\(Self.name): the saved model lacks X or label_distributions")
        }
        training = Matrix(rows: x.shape[0], columns: x.shape[1], values: x.values)
        distributions = Matrix(rows: d.shape[0], columns: d.shape[1], values: d.values)
    }
}

/// scikit-learn's SelfTrainingClassifier (criterion "threshold"): fit the
/// base estimator on the labelled rows, adopt its predictions on unlabelled
/// rows whose top probability exceeds threshold, repeat until nothing is
/// added or max_iter; then fit once more on every labelled row.
public final class SelfTrainingClassifier: Estimator {
    public static let name = "self_training"
    public static let task = EstimatorTask.classification
    public static var acceptsUnlabeled: Bool { true }
    let baseName: String
    let threshold: Double
    let maxIterations: Int?
    var base: any Estimator
    public private(set) var iterations = 0

    public init(parameters: inout Parameters) throws {
        let probabilistic = ["logistic_regression", "gaussian_nb", "knn", "decision_tree", "random_forest",
                             "gradient_boosting"]
        baseName = try parameters.string("estimator", "logistic_regression", allowed: probabilistic)
        threshold = try parameters.double("threshold", 0.75, "0 ≤ threshold < 1") { $0 >= 0 && $0 < 1 }
        maxIterations = try parameters.optionalInt("max_iter", 10, "max_iter ≥ 1 or None") { $0 >= 1 }
        _ = try parameters.string("criterion", "threshold", allowed: ["threshold"])
        base = try EstimatorRegistry.make(baseName, parameters: [:]).estimator
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        var labels = y
        var labelled = y.map { $0 >= 0 }
        iterations = 0
        while labelled.contains(false), maxIterations.map({ iterations < $0 }) ?? true {
            iterations += 1
            let known = labels.indices.filter { labelled[$0] }
            try base.fit(x.gatherRows(known), known.map { labels[$0] }, classCount: classCount, seed: seed)
            let unknown = labels.indices.filter { !labelled[$0] }
            guard let p = base.predictProba(x.gatherRows(unknown)) else { break }
            var added = 0
            for (position, row) in unknown.enumerated() {
                let probabilities = p.row(position)
                let best = argmax(probabilities)
                if probabilities[probabilities.startIndex + best] > threshold {
                    labels[row] = Double(best)
                    labelled[row] = true
                    added += 1
                }
            }
            if added == 0 { break }
        }
        let known = labels.indices.filter { labelled[$0] }
        try base.fit(x.gatherRows(known), known.map { labels[$0] }, classCount: classCount, seed: seed)
    }

    public func predict(_ x: Matrix) -> [Double] { base.predict(x) }
    public func predictProba(_ x: Matrix) -> Matrix? { base.predictProba(x) }

    public func exportState() -> EstimatorState {
        let inner = base.exportState()
        var state = EstimatorState()
        state.scalars["n_iter"] = .number(Double(iterations))
        for (key, value) in inner.scalars { state.scalars["base." + key] = value }
        for (key, value) in inner.arrays { state.arrays["base." + key] = value }
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        var inner = EstimatorState()
        for (key, value) in state.scalars where key.hasPrefix("base.") { inner.scalars[String(key.dropFirst(5))] = value }
        for (key, value) in state.arrays where key.hasPrefix("base.") { inner.arrays[String(key.dropFirst(5))] = value }
        try base.importState(inner)
    }
}
