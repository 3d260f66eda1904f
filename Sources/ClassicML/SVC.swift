import Foundation
import Tensor

/// scikit-learn's SVC (libsvm's C-SVC): kernel SMO (`SMOSolver`), one-vs-one
/// for several classes (each pair votes; ties go to the lower class).
///
/// probability=true adds libsvm's probability estimates: for each pair of
/// classes, decision values from an internal 5-fold cross-validation (folds
/// drawn from the seed) are fitted with Platt's sigmoid (`PlattSigmoid`);
/// predict_proba couples the pairwise probabilities (`pairwiseCoupling`).
/// As in libsvm, `predict` still votes, so it may disagree with the argmax
/// of predict_proba on rows near a boundary.
public final class SVC: Estimator {
    public static let name = "svc"
    public static let task = EstimatorTask.classification

    let cost: Double
    var kernel: SVMKernel
    let tolerance: Double
    let maxIterations: Int
    let probability: Bool
    var classCount = 0
    /// (supportVectors, features)
    var supportVectors = Matrix(rows: 0, columns: 0)
    /// (pairs, supportVectors): αᵢyᵢ of each pair's problem, 0 where a vector is not in it
    var dualCoefficients = Matrix(rows: 0, columns: 0)
    /// (pairs)
    var rho: [Double] = []
    /// (pairs), when probability = true: P(first class of the pair | decision value)
    var sigmoids: [PlattSigmoid] = []

    /// Folds of the cross-validation behind Platt scaling (libsvm's 5).
    static let probabilityFolds = 5

    public init(parameters: inout Parameters) throws {
        cost = try parameters.double("C", 1.0, "C > 0") { $0 > 0 }
        kernel = try SVMKernel(&parameters)
        tolerance = try parameters.double("tol", 1e-3, "tol > 0") { $0 > 0 }
        maxIterations = try parameters.int("max_iter", -1, "max_iter ≥ 1, or -1 for no limit") { $0 == -1 || $0 >= 1 }
        probability = try parameters.bool("probability", false)
        _ = try parameters.string("decision_function_shape", "ovr", allowed: ["ovr", "ovo"])
        _ = try parameters.double("cache_size", 200) { $0 > 0 }
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        try SVMKernel.checkRows(x, estimator: Self.name)
        self.classCount = classCount
        kernel.resolveGamma(for: x)
        let solver = SMOSolver(kernel: kernel.gram(x), cost: cost, tolerance: tolerance, maxIterations: maxIterations)
        let labels = y.map { Int($0) }
        var generator = RandomGenerator(seed: seed)
        // Per pair: αᵢyᵢ for every training row (0 outside the pair), and ρ.
        var pairs: [(coefficients: [Double], rho: Double)] = []
        sigmoids = []
        for first in 0..<classCount {
            for second in (first + 1)..<classCount {
                let rows = labels.indices.filter { labels[$0] == first || labels[$0] == second }
                let signs = rows.map { labels[$0] == first ? 1.0 : -1.0 }
                if probability {
                    let decisions = crossValidatedDecisions(rows: rows, signs: signs, solver: solver, generator: &generator)
                    sigmoids.append(PlattSigmoid.fit(decisions: decisions, positive: signs.map { $0 > 0 }))
                }
                let solution = solver.solve(rows: rows, signs: signs, linear: [Double](repeating: -1, count: rows.count))
                var coefficients = [Double](repeating: 0, count: x.rows)
                for (position, row) in rows.enumerated() where solution.alpha[position] > 0 {
                    coefficients[row] = solution.alpha[position] * signs[position]
                }
                pairs.append((coefficients, solution.rho))
            }
        }
        let support = (0..<x.rows).filter { row in pairs.contains { $0.coefficients[row] != 0 } }
        supportVectors = x.gatherRows(support)
        dualCoefficients = Matrix(rows: pairs.count, columns: support.count)
        for (p, pair) in pairs.enumerated() {
            for (s, row) in support.enumerated() { dualCoefficients[p, s] = pair.coefficients[row] }
        }
        rho = pairs.map(\.rho)
    }

    /// libsvm's svm_binary_svc_probability: each row's decision value from a
    /// model trained without its fold. A fold whose training part holds one
    /// class gets ±1 (0 when it holds none).
    func crossValidatedDecisions(rows: [Int], signs: [Double], solver: SMOSolver,
                                 generator: inout RandomGenerator) -> [Double] {
        let count = rows.count
        var order = Array(0..<count)
        for i in 0..<count { order.swapAt(i, i + Int(generator.next() % UInt64(count - i))) }
        var decisions = [Double](repeating: 0, count: count)
        let n = solver.kernel.rows
        for fold in 0..<Self.probabilityFolds {
            let begin = fold * count / Self.probabilityFolds, end = (fold + 1) * count / Self.probabilityFolds
            let held = order[begin..<end]
            let kept = Array(order[..<begin]) + Array(order[end...])
            let positives = kept.filter { signs[$0] > 0 }.count
            if positives == 0 || positives == kept.count {
                let value: Double = kept.isEmpty ? 0 : (positives > 0 ? 1 : -1)
                for t in held { decisions[t] = value }
                continue
            }
            let solution = solver.solve(rows: kept.map { rows[$0] }, signs: kept.map { signs[$0] },
                                        linear: [Double](repeating: -1, count: kept.count))
            solver.kernel.values.withUnsafeBufferPointer { k in
                for t in held {
                    let row = k.baseAddress! + rows[t] * n
                    var sum = -solution.rho
                    for (position, u) in kept.enumerated() where solution.alpha[position] > 0 {
                        sum += solution.alpha[position] * signs[u] * row[rows[u]]
                    }
                    decisions[t] = sum
                }
            }
        }
        return decisions
    }

    /// One-vs-one decision values (rows, pairs); positive favours the pair's first class.
    func decisionValues(_ x: Matrix) -> Matrix {
        let k = kernel.matrix(x, supportVectors)  // (rows, supportVectors)
        var values = k.multiplied(by: dualCoefficients, transposeOther: true)  // (rows, pairs)
        for i in 0..<x.rows { for p in 0..<rho.count { values[i, p] -= rho[p] } }
        return values
    }

    public func predict(_ x: Matrix) -> [Double] {
        let decisions = decisionValues(x)
        return (0..<x.rows).map { i in
            var votes = [Double](repeating: 0, count: classCount)
            var p = 0
            for first in 0..<classCount {
                for second in (first + 1)..<classCount {
                    votes[decisions[i, p] > 0 ? first : second] += 1
                    p += 1
                }
            }
            return Double(argmax(votes))
        }
    }

    /// Platt probabilities coupled over the pairs; nil unless probability = true.
    public func predictProba(_ x: Matrix) -> Matrix? {
        guard probability, sigmoids.count == rho.count else { return nil }
        let decisions = decisionValues(x)
        var out = Matrix(rows: x.rows, columns: classCount)
        let bound = 1e-7  // libsvm's min_prob: keeps the coupling away from 0 and 1
        for i in 0..<x.rows {
            var pairwise = [[Double]](repeating: [Double](repeating: 0, count: classCount), count: classCount)
            var p = 0
            for first in 0..<classCount {
                for second in (first + 1)..<classCount {
                    let value = min(max(sigmoids[p].probability(decisions[i, p]), bound), 1 - bound)
                    pairwise[first][second] = value
                    pairwise[second][first] = 1 - value
                    p += 1
                }
            }
            for (c, value) in pairwiseCoupling(pairwise).enumerated() { out[i, c] = value }
        }
        return out
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        state.scalars["gamma"] = .number(kernel.gamma)
        state.arrays["support_vectors"] = ([supportVectors.rows, supportVectors.columns], supportVectors.values)
        state.arrays["dual_coef"] = ([dualCoefficients.rows, dualCoefficients.columns], dualCoefficients.values)
        state.arrays["intercept"] = ([rho.count], rho.map { -$0 })
        if probability {
            state.arrays["prob_a"] = ([sigmoids.count], sigmoids.map(\.a))
            state.arrays["prob_b"] = ([sigmoids.count], sigmoids.map(\.b))
        }
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classCount = Int(try state.number("class_count", estimator: Self.name))
        kernel.gamma = try state.number("gamma", estimator: Self.name)
        guard let vectors = state.arrays["support_vectors"], vectors.shape.count == 2,
              let dual = state.arrays["dual_coef"], dual.shape.count == 2 else {
            throw ClassicMLError.invalidModel("\(Self.name): the saved model lacks support_vectors or dual_coef")
        }
        supportVectors = Matrix(rows: vectors.shape[0], columns: vectors.shape[1], values: vectors.values)
        dualCoefficients = Matrix(rows: dual.shape[0], columns: dual.shape[1], values: dual.values)
        rho = try state.array("intercept", estimator: Self.name).map { -$0 }
        sigmoids = []
        if probability {
            let a = try state.array("prob_a", estimator: Self.name), b = try state.array("prob_b", estimator: Self.name)
            guard a.count == rho.count, b.count == rho.count else {
                throw ClassicMLError.invalidModel("\(Self.name): prob_a/prob_b have \(a.count)/\(b.count) values for \(rho.count) pairs")
            }
            sigmoids = zip(a, b).map { PlattSigmoid(a: $0, b: $1) }
        }
    }
}
