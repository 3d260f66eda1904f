import Foundation
import Tensor

/// scikit-learn's LinearSVC (liblinear's L2-regularised SVM):
/// min ½‖w‖² + C Σ ξᵢ (hinge) or C Σ ξᵢ² (squared_hinge), solved as
/// scikit-learn chooses: dual=true, and always for hinge, in the dual by
/// coordinate descent with shrinking (Hsieh, Chang, Lin, Keerthi &
/// Sundararajan, "A dual coordinate descent method for large-scale linear
/// SVM", ICML 2008); dual=false in the primal (`SquaredHingeNewton`);
/// dual="auto" (the default) in the primal when there are at least as many
/// rows as features, else in the dual. Both reach the same optimum; the
/// dual needs many passes when C is large and the classes overlap.
///
/// Like liblinear, the intercept is a weight on an extra constant feature
/// of value intercept_scaling, so it is regularised too; the fitted
/// intercept is intercept_scaling × that weight. Several classes are
/// one-vs-rest (one problem per class, the largest decision value wins);
/// two classes are one problem whose positive side is the second class.
public final class LinearSVC: Estimator {
    public static let name = "linear_svc"
    public static let task = EstimatorTask.classification

    let cost: Double
    let squaredHinge: Bool
    let tolerance: Double
    let fitIntercept: Bool
    let interceptScaling: Double
    let maxIterations: Int
    /// nil: "auto"
    let dual: Bool?
    var classCount = 0
    /// (problems, features): one row for two classes, one per class otherwise
    var coefficients = Matrix(rows: 0, columns: 0)
    var intercepts: [Double] = []
    /// Passes (dual) or Newton iterations (primal) of the largest problem (scikit-learn's n_iter_).
    public private(set) var iterations = 0

    public init(parameters: inout Parameters) throws {
        _ = try parameters.string("penalty", "l2", allowed: ["l2"])
        squaredHinge = try parameters.string("loss", "squared_hinge", allowed: ["squared_hinge", "hinge"]) == "squared_hinge"
        let dualValue = parameters.raw("dual", .string("auto"))
        switch dualValue {
        case .string("auto"): dual = nil
        case .bool(true): dual = true
        case .bool(false) where squaredHinge: dual = false
        case .bool(false):
            throw ClassicMLError.invalidParameter(estimator: Self.name, name: "dual", value: "false",
                                                  expected: "'auto' or true: loss='hinge' has no primal solver (as in scikit-learn)")
        default:
            throw ClassicMLError.invalidParameter(estimator: Self.name, name: "dual", value: dualValue.description,
                                                  expected: "'auto', true or false")
        }
        tolerance = try parameters.double("tol", 1e-4, "tol > 0") { $0 > 0 }
        cost = try parameters.double("C", 1.0, "C > 0") { $0 > 0 }
        _ = try parameters.string("multi_class", "ovr", allowed: ["ovr"])
        fitIntercept = try parameters.bool("fit_intercept", true)
        interceptScaling = try parameters.double("intercept_scaling", 1, "intercept_scaling > 0") { $0 > 0 }
        maxIterations = try parameters.int("max_iter", 1000, "max_iter ≥ 1") { $0 >= 1 }
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        self.classCount = classCount
        let n = x.rows, d = x.columns
        // Rows with the constant intercept feature appended.
        let width = d + (fitIntercept ? 1 : 0)
        var augmented = [Double](repeating: interceptScaling, count: n * width)
        for i in 0..<n { for j in 0..<d { augmented[i * width + j] = x.values[i * d + j] } }
        let positives = classCount == 2 ? [1] : Array(0..<classCount)
        coefficients = Matrix(rows: positives.count, columns: d)
        intercepts = [Double](repeating: 0, count: positives.count)
        var generator = RandomGenerator(seed: seed)
        iterations = 0
        // scikit-learn's dual="auto": the primal when rows ≥ features and the loss allows it.
        let primal = squaredHinge && !(dual ?? (n < d))
        let newton = SquaredHingeNewton(cost: cost, tolerance: tolerance, maxIterations: maxIterations)
        for (problem, positive) in positives.enumerated() {
            let signs = y.map { Int($0) == positive ? 1.0 : -1.0 }
            let (w, passes) = primal
                ? newton.solve(augmented, rows: n, width: width, signs: signs)
                : solve(augmented, rows: n, width: width, signs: signs, generator: &generator)
            iterations = max(iterations, passes)
            for j in 0..<d { coefficients[problem, j] = w[j] }
            intercepts[problem] = fitIntercept ? interceptScaling * w[d] : 0
        }
    }

    /// One binary problem in the dual; returns w (width) and the number of passes.
    func solve(_ x: [Double], rows n: Int, width: Int, signs: [Double],
               generator: inout RandomGenerator) -> ([Double], Int) {
        // Dual: min ½αᵀ(Q + D)α − eᵀα, 0 ≤ αᵢ ≤ U; hinge: D = 0, U = C; squared: D = 1/(2C), U = ∞.
        let diagonal = squaredHinge ? 0.5 / cost : 0
        let upper = squaredHinge ? Double.infinity : cost
        var w = [Double](repeating: 0, count: width)
        var alpha = [Double](repeating: 0, count: n)
        var index = Array(0..<n)
        var curvature = [Double](repeating: diagonal, count: n)
        var pass = 0
        x.withUnsafeBufferPointer { x in
            w.withUnsafeMutableBufferPointer { w in
                alpha.withUnsafeMutableBufferPointer { alpha in
                    index.withUnsafeMutableBufferPointer { index in
                        curvature.withUnsafeMutableBufferPointer { curvature in
                            signs.withUnsafeBufferPointer { signs in
                                for i in 0..<n { curvature[i] += dot(x.baseAddress! + i * width, x.baseAddress! + i * width, width) }
                                var active = n
                                // Bounds of the projected gradient in the last pass, for shrinking.
                                var maxOld = Double.infinity, minOld = -Double.infinity
                                while pass < maxIterations {
                                    var maxNew = -Double.infinity, minNew = Double.infinity
                                    for s in 0..<active {
                                        // A uniform draw in [s, active) by a multiply-high (no division).
                                        let pick = s + Int(generator.next().multipliedFullWidth(by: UInt64(active - s)).high)
                                        index.swapAt(s, pick)
                                    }
                                    var s = 0
                                    while s < active {
                                        let i = index[s]
                                        let row = x.baseAddress! + i * width
                                        let gradient = signs[i] * dot(w.baseAddress!, row, width) - 1 + alpha[i] * diagonal
                                        var projected = 0.0
                                        if alpha[i] == 0 {
                                            if gradient > maxOld {  // stays at 0: shrink it away
                                                active -= 1
                                                index.swapAt(s, active)
                                                continue
                                            }
                                            projected = min(gradient, 0)
                                        } else if alpha[i] == upper {
                                            if gradient < minOld {  // stays at C: shrink
                                                active -= 1
                                                index.swapAt(s, active)
                                                continue
                                            }
                                            projected = max(gradient, 0)
                                        } else {
                                            projected = gradient
                                        }
                                        maxNew = max(maxNew, projected)
                                        minNew = min(minNew, projected)
                                        if abs(projected) > 1e-12 {
                                            let old = alpha[i]
                                            alpha[i] = min(max(old - gradient / curvature[i], 0), upper)
                                            let step = (alpha[i] - old) * signs[i]
                                            for j in 0..<width { w[j] += step * row[j] }
                                        }
                                        s += 1
                                    }
                                    pass += 1
                                    if maxNew - minNew <= tolerance {
                                        if active == n { break }
                                        // Converged on the active set: check every variable once more.
                                        active = n
                                        maxOld = .infinity
                                        minOld = -.infinity
                                        continue
                                    }
                                    maxOld = maxNew <= 0 ? .infinity : maxNew
                                    minOld = minNew >= 0 ? -.infinity : minNew
                                }
                            }
                        }
                    }
                }
            }
        }
        return (w, pass)
    }

    /// Decision values (rows, problems).
    func decisionValues(_ x: Matrix) -> Matrix {
        var values = x.multiplied(by: coefficients, transposeOther: true)
        for i in 0..<x.rows { for p in 0..<intercepts.count { values[i, p] += intercepts[p] } }
        return values
    }

    public func predict(_ x: Matrix) -> [Double] {
        let decisions = decisionValues(x)
        if intercepts.count == 1 { return (0..<x.rows).map { decisions[$0, 0] > 0 ? 1 : 0 } }
        return (0..<x.rows).map { Double(argmax(decisions.row($0))) }
    }

    public func exportState() -> EstimatorState {
        LinearClassifierState.export(classCount: classCount, iterations: iterations, coefficients: coefficients, intercepts: intercepts)
    }

    public func importState(_ state: EstimatorState) throws {
        (classCount, coefficients, intercepts) = try LinearClassifierState.load(state, estimator: Self.name)
    }
}
