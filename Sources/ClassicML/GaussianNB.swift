import Foundation

/// scikit-learn's GaussianNB: per-class feature means and variances (plus
/// var_smoothing × the largest feature variance), class priors from counts.
public final class GaussianNB: Estimator {
    public static let name = "gaussian_nb"
    public static let task = EstimatorTask.classification
    let varSmoothing: Double
    /// (classes, features)
    var means = Matrix(rows: 0, columns: 0)
    var variances = Matrix(rows: 0, columns: 0)
    var logPriors: [Double] = []

    public init(parameters: inout Parameters) throws {
        varSmoothing = try parameters.double("var_smoothing", 1e-9, "var_smoothing ≥ 0") { $0 >= 0 }
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let d = x.columns
        means = Matrix(rows: classCount, columns: d)
        variances = Matrix(rows: classCount, columns: d)
        var counts = [Double](repeating: 0, count: classCount)
        for i in 0..<x.rows {
            let c = Int(y[i])
            counts[c] += 1
            for j in 0..<d { means[c, j] += x[i, j] }
        }
        for c in 0..<classCount { for j in 0..<d { means[c, j] /= max(counts[c], 1) } }
        for i in 0..<x.rows {
            let c = Int(y[i])
            for j in 0..<d { let delta = x[i, j] - means[c, j]; variances[c, j] += delta * delta }
        }
        let overall = x.columnMeans
        var largest = 0.0
        for j in 0..<d {
            var sum = 0.0
            for i in 0..<x.rows { sum += (x[i, j] - overall[j]) * (x[i, j] - overall[j]) }
            largest = max(largest, sum / Double(x.rows))
        }
        let epsilon = varSmoothing * largest
        for c in 0..<classCount { for j in 0..<d { variances[c, j] = variances[c, j] / max(counts[c], 1) + epsilon } }
        logPriors = counts.map { log($0 / Double(x.rows)) }
    }

    /// Joint log-likelihood (rows, classes).
    func jointLogLikelihood(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, columns: logPriors.count)
        for i in 0..<x.rows {
            for c in 0..<logPriors.count {
                var sum = logPriors[c]
                for j in 0..<x.columns {
                    let variance = variances[c, j], delta = x[i, j] - means[c, j]
                    sum -= 0.5 * log(2 * Double.pi * variance) + delta * delta / (2 * variance)
                }
                out[i, c] = sum
            }
        }
        return out
    }

    public func predict(_ x: Matrix) -> [Double] {
        let joint = jointLogLikelihood(x)
        return (0..<x.rows).map { Double(argmax(joint.row($0))) }
    }

    public func predictProba(_ x: Matrix) -> Matrix? { jointLogLikelihood(x).rowSoftmax() }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.arrays["theta"] = ([means.rows, means.columns], means.values)
        state.arrays["var"] = ([variances.rows, variances.columns], variances.values)
        state.arrays["class_log_prior"] = ([logPriors.count], logPriors)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        logPriors = try state.array("class_log_prior", estimator: Self.name)
        let theta = try state.array("theta", estimator: Self.name)
        let columns = theta.count / max(logPriors.count, 1)
        means = Matrix(rows: logPriors.count, columns: columns, values: theta)
        variances = Matrix(rows: logPriors.count, columns: columns, values: try state.array("var", estimator: Self.name))
    }
}
