import CLAPACK
import Foundation

/// Shared by the least-squares family: centring for the intercept, the
/// linear prediction, and the coef/intercept state.
public class LinearRegressorBase {
    var coefficients: [Double] = []
    var intercept = 0.0
    let fitIntercept: Bool

    init(fitIntercept: Bool) { self.fitIntercept = fitIntercept }

    /// Centred copies of x and y (when fitting an intercept) and the means.
    func centred(_ x: Matrix, _ y: [Double]) -> (Matrix, [Double], [Double], Double) {
        guard fitIntercept else { return (x, y, [Double](repeating: 0, count: x.columns), 0) }
        let means = x.columnMeans
        var xc = x
        for i in 0..<x.rows { for j in 0..<x.columns { xc.values[i * x.columns + j] -= means[j] } }
        let yMean = y.reduce(0, +) / Double(y.count)
        return (xc, y.map { $0 - yMean }, means, yMean)
    }

    func setIntercept(means: [Double], yMean: Double) {
        intercept = fitIntercept ? yMean - zip(means, coefficients).reduce(0) { $0 + $1.0 * $1.1 } : 0
    }

    public func predict(_ x: Matrix) -> [Double] {
        (0..<x.rows).map { i in
            x.values.withUnsafeBufferPointer { values in
                coefficients.withUnsafeBufferPointer { dot(values.baseAddress! + i * x.columns, $0.baseAddress!, x.columns) }
            } + intercept
        }
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.arrays["coef"] = ([coefficients.count], coefficients)
        state.arrays["intercept"] = ([1], [intercept])
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        coefficients = try state.array("coef", estimator: "linear model")
        intercept = try state.array("intercept", estimator: "linear model").first ?? 0
    }

    public var featureImportances: [Double]? { nil }
    public func predictProba(_ x: Matrix) -> Matrix? { nil }
}

/// Ordinary least squares through LAPACK's SVD solver (dgelsd, as
/// scipy.linalg.lstsq): rank-deficient problems get the minimum-norm answer.
public final class LinearRegression: LinearRegressorBase, Estimator {
    public static let name = "linear_regression"
    public static let task = EstimatorTask.regression

    public init(parameters: inout Parameters) throws {
        super.init(fitIntercept: try parameters.bool("fit_intercept", true))
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let (xc, yc, means, yMean) = centred(x, y)
        coefficients = try LeastSquares.solve(xc, yc, estimator: Self.name)
        setIntercept(means: means, yMean: yMean)
    }
}

enum LeastSquares {
    /// Minimum-norm solution of min ‖A·w − b‖ by SVD (LAPACKE_dgelsd).
    static func solve(_ a: Matrix, _ b: [Double], estimator: String) throws -> [Double] {
        let m = a.rows, n = a.columns
        var matrix = a.values
        var rhs = [Double](repeating: 0, count: max(m, n))
        for i in 0..<m { rhs[i] = b[i] }
        var singular = [Double](repeating: 0, count: min(m, n))
        var rank: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(m), Int32(n), 1, &matrix, Int32(n),
                                  &rhs, 1, &singular, -1, &rank)
        guard info == 0 else {
            throw ClassicMLError.singularMatrix(estimator: estimator,
                                                detail: "the SVD of the design matrix did not converge (LAPACK info \(info)); "
                                                    + "check the features for NaN or huge values")
        }
        return Array(rhs[0..<n])
    }

    /// Solves the symmetric positive definite system A·w = b (Cholesky, dposv).
    static func solveSymmetric(_ a: Matrix, _ b: [Double]) -> [Double]? {
        var matrix = a.values
        var rhs = b
        let info = LAPACKE_dposv(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "U")), Int32(a.rows), 1, &matrix,
                                 Int32(a.rows), &rhs, 1)
        return info == 0 ? rhs : nil
    }
}

/// Ridge regression, the Cholesky solver: (XᵀX + αI)·w = Xᵀy on centred data.
public final class Ridge: LinearRegressorBase, Estimator {
    public static let name = "ridge"
    public static let task = EstimatorTask.regression
    let alpha: Double

    public init(parameters: inout Parameters) throws {
        alpha = try parameters.double("alpha", 1.0, "alpha ≥ 0") { $0 >= 0 }
        super.init(fitIntercept: try parameters.bool("fit_intercept", true))
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let (xc, yc, means, yMean) = centred(x, y)
        var gram = xc.multiplied(by: xc, transposeSelf: true)
        for j in 0..<x.columns { gram[j, j] += alpha }
        let xty = xc.multiplied(by: Matrix(rows: yc.count, columns: 1, values: yc), transposeSelf: true).values
        guard let solution = LeastSquares.solveSymmetric(gram, xty) else {
            throw ClassicMLError.singularMatrix(
                estimator: Self.name,
                detail: "XᵀX + alpha·I is singular (alpha=\(alpha), features collinear or constant); "
                    + "set alpha > 0 (e.g. --param alpha=1.0) or use linear_regression")
        }
        coefficients = solution
        setIntercept(means: means, yMean: yMean)
    }
}

/// ElasticNet (and Lasso, l1_ratio = 1) by cyclic coordinate descent, as
/// scikit-learn: minimises ‖y − Xw‖²/(2n) + α·ρ‖w‖₁ + α(1−ρ)‖w‖²/2, stopping
/// on the duality gap (< tol·‖y‖²).
public class ElasticNet: LinearRegressorBase, Estimator {
    public class var name: String { "elastic_net" }
    public static let task = EstimatorTask.regression
    let alpha: Double
    let l1Ratio: Double
    let tolerance: Double
    let maxIterations: Int
    public private(set) var iterations = 0

    required public init(parameters: inout Parameters) throws {
        alpha = try parameters.double("alpha", 1.0, "alpha ≥ 0") { $0 >= 0 }
        l1Ratio = Self.name == "lasso" ? 1 : try parameters.double("l1_ratio", 0.5, "0 ≤ l1_ratio ≤ 1") { (0...1).contains($0) }
        tolerance = try parameters.double("tol", 1e-4, "tol ≥ 0") { $0 >= 0 }
        maxIterations = try parameters.int("max_iter", 1000, "max_iter ≥ 1") { $0 >= 1 }
        super.init(fitIntercept: try parameters.bool("fit_intercept", true))
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let (xc, yc, means, yMean) = centred(x, y)
        let n = xc.rows, d = xc.columns
        let columns = xc.transposed  // (d, n): one feature per row
        let l1 = alpha * l1Ratio * Double(n), l2 = alpha * (1 - l1Ratio) * Double(n)
        var w = [Double](repeating: 0, count: d)
        var residual = yc
        let norms = (0..<d).map { j in columns.values[(j * n)..<((j + 1) * n)].reduce(0) { $0 + $1 * $1 } }
        let yNorm = yc.reduce(0) { $0 + $1 * $1 }
        let tol = tolerance * yNorm
        iterations = 0
        columns.values.withUnsafeBufferPointer { cols in
            for _ in 0..<maxIterations {
                iterations += 1
                var maxChange = 0.0, maxWeight = 0.0
                for j in 0..<d where norms[j] > 0 {
                    let column = cols.baseAddress! + j * n
                    let old = w[j]
                    let rho = residual.withUnsafeBufferPointer { dot(column, $0.baseAddress!, n) } + old * norms[j]
                    let new = rho.sign == .minus ? -max(abs(rho) - l1, 0) / (norms[j] + l2) : max(rho - l1, 0) / (norms[j] + l2)
                    if new != old {
                        for i in 0..<n { residual[i] -= (new - old) * column[i] }
                        w[j] = new
                    }
                    maxChange = max(maxChange, abs(new - old))
                    maxWeight = max(maxWeight, abs(new))
                }
                if maxWeight == 0 || maxChange / maxWeight < tolerance {
                    // Duality gap (scikit-learn's enet_coordinate_descent).
                    var dualNorm = 0.0
                    for j in 0..<d {
                        let value = residual.withUnsafeBufferPointer { dot(cols.baseAddress! + j * n, $0.baseAddress!, n) } - l2 * w[j]
                        dualNorm = max(dualNorm, abs(value))
                    }
                    let residualNorm = residual.reduce(0) { $0 + $1 * $1 }
                    let weightNorm = w.reduce(0) { $0 + $1 * $1 }
                    var constant = 1.0, gap = residualNorm
                    if dualNorm > l1 {
                        constant = l1 / dualNorm
                        gap = 0.5 * (residualNorm + residualNorm * constant * constant)
                    }
                    let residualDotY = zip(residual, yc).reduce(0) { $0 + $1.0 * $1.1 }
                    gap += l1 * w.reduce(0) { $0 + abs($1) } - constant * residualDotY
                        + 0.5 * l2 * (1 + constant * constant) * weightNorm
                    if gap < tol { break }
                }
            }
        }
        coefficients = w
        setIntercept(means: means, yMean: yMean)
    }
}

public final class Lasso: ElasticNet {
    override public class var name: String { "lasso" }
}
