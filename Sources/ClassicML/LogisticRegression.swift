import Foundation

/// scikit-learn's LogisticRegression with the lbfgs solver: multinomial
/// (softmax) for three or more classes, one logistic output for two; L2
/// penalty. Minimises mean log-loss + ‖W‖² / (2·C·n) (the intercept is not
/// penalised), stopping when max |gradient| ≤ tol or after max_iter steps.
public final class LogisticRegression: Estimator {
    public static let name = "logistic_regression"
    public static let task = EstimatorTask.classification

    let inverseRegularization: Double  // C
    let penalized: Bool
    let tolerance: Double
    let maxIterations: Int
    let fitIntercept: Bool
    /// (outputs, features) — outputs 1 for two classes, else the class count
    var coefficients = Matrix(rows: 0, columns: 0)
    /// (outputs)
    var intercepts: [Double] = []
    var classCount = 0
    public private(set) var iterations = 0

    public init(parameters: inout Parameters) throws {
        penalized = try parameters.string("penalty", "l2", allowed: ["l2", "none"]) == "l2"
        inverseRegularization = try parameters.double("C", 1.0, "C > 0") { $0 > 0 }
        tolerance = try parameters.double("tol", 1e-4, "tol ≥ 0") { $0 >= 0 }
        maxIterations = try parameters.int("max_iter", 100, "max_iter ≥ 1") { $0 >= 1 }
        fitIntercept = try parameters.bool("fit_intercept", true)
        _ = try parameters.string("solver", "lbfgs", allowed: ["lbfgs"])
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        self.classCount = classCount
        let outputs = classCount == 2 ? 1 : classCount
        let n = x.rows, d = x.columns
        let width = d + (fitIntercept ? 1 : 0)
        let labels = y.map { Int($0) }
        let l2 = penalized ? 1 / (inverseRegularization * Double(n)) : 0
        // Parameters packed as (outputs, width): weights then the intercept.
        func objective(_ theta: [Double], _ gradient: inout [Double]) -> Double {
            var w = Matrix(rows: outputs, columns: d)
            for o in 0..<outputs { for j in 0..<d { w[o, j] = theta[o * width + j] } }
            var z = x.multiplied(by: w, transposeOther: true)  // (n, outputs)
            if fitIntercept { for i in 0..<n { for o in 0..<outputs { z.values[i * outputs + o] += theta[o * width + d] } } }
            var loss = 0.0
            // z becomes dLoss/dz (n, outputs)
            if outputs == 1 {
                for i in 0..<n {
                    let v = z.values[i], target = Double(labels[i])
                    loss += (v > 0 ? v + log1p(exp(-v)) : log1p(exp(v))) - target * v
                    z.values[i] = (1 / (1 + exp(-v)) - target) / Double(n)
                }
            } else {
                for i in 0..<n {
                    let base = i * outputs
                    var top = -Double.infinity
                    for o in 0..<outputs { top = max(top, z.values[base + o]) }
                    var sum = 0.0
                    for o in 0..<outputs { sum += exp(z.values[base + o] - top) }
                    let logSum = top + log(sum)
                    loss += logSum - z.values[base + labels[i]]
                    for o in 0..<outputs {
                        z.values[base + o] = (exp(z.values[base + o] - logSum) - (o == labels[i] ? 1 : 0)) / Double(n)
                    }
                }
            }
            loss /= Double(n)
            let gw = z.multiplied(by: x, transposeSelf: true)  // (outputs, d)
            for o in 0..<outputs {
                for j in 0..<d {
                    let weight = theta[o * width + j]
                    gradient[o * width + j] = gw[o, j] + l2 * weight
                    loss += 0.5 * l2 * weight * weight
                }
                if fitIntercept {
                    var sum = 0.0
                    for i in 0..<n { sum += z.values[i * outputs + o] }
                    gradient[o * width + d] = sum
                }
            }
            return loss
        }
        let result = LBFGS.minimize(start: [Double](repeating: 0, count: outputs * width), tolerance: tolerance,
                                    maxIterations: maxIterations, objective)
        iterations = result.iterations
        coefficients = Matrix(rows: outputs, columns: d)
        intercepts = [Double](repeating: 0, count: outputs)
        for o in 0..<outputs {
            for j in 0..<d { coefficients[o, j] = result.point[o * width + j] }
            if fitIntercept { intercepts[o] = result.point[o * width + d] }
        }
    }

    /// Raw scores (rows, outputs).
    func decisionFunction(_ x: Matrix) -> Matrix {
        var z = x.multiplied(by: coefficients, transposeOther: true)
        for i in 0..<x.rows { for o in 0..<intercepts.count { z.values[i * intercepts.count + o] += intercepts[o] } }
        return z
    }

    public func predictProba(_ x: Matrix) -> Matrix? {
        let z = decisionFunction(x)
        guard classCount == 2 else { return z.rowSoftmax() }
        var p = Matrix(rows: x.rows, columns: classCount)
        for i in 0..<x.rows {
            let positive = 1 / (1 + exp(-z.values[i]))
            p[i, 0] = 1 - positive
            p[i, 1] = positive
        }
        return p
    }

    public func predict(_ x: Matrix) -> [Double] {
        let z = decisionFunction(x)
        if classCount == 2 { return z.values.map { $0 > 0 ? 1 : 0 } }
        return (0..<x.rows).map { Double(argmax(z.row($0))) }
    }

    public func exportState() -> EstimatorState {
        LinearClassifierState.export(classCount: classCount, iterations: iterations, coefficients: coefficients, intercepts: intercepts)
    }

    public func importState(_ state: EstimatorState) throws {
        (classCount, coefficients, intercepts) = try LinearClassifierState.load(state, estimator: Self.name)
    }
}

/// Index of the largest value (the first on ties, as numpy's argmax).
func argmax<C: Collection>(_ values: C) -> Int where C.Element == Double {
    var best = 0, bestValue = -Double.infinity, position = 0
    for value in values {
        if value > bestValue { bestValue = value; best = position }
        position += 1
    }
    return best
}
