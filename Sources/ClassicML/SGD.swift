import Foundation
import Tensor

/// Plain stochastic gradient descent on a linear model, as scikit-learn's
/// SGDClassifier / SGDRegressor: one sample at a time in shuffled epochs,
/// L2 penalty alpha applied by weight decay, learning-rate schedules
/// "optimal" (1 / (alpha·(t₀ + t)), Bottou's t₀), "invscaling"
/// (eta0 / t^power_t) and "constant"; stops when the epoch loss has not
/// improved by tol·n for n_iter_no_change epochs. Several classes: one
/// binary problem per class (one-vs-rest).
public class SGDLinear {
    enum Loss: String { case hinge, logLoss = "log_loss", modifiedHuber = "modified_huber", squaredHinge = "squared_hinge",
                         perceptron, squaredError = "squared_error" }
    enum Schedule: String { case optimal, invscaling, constant }
    let loss: Loss
    let alpha: Double
    let maxIterations: Int
    let tolerance: Double
    let schedule: Schedule
    let eta0: Double
    let powerT: Double
    let patience: Int
    let fitIntercept: Bool
    /// (problems, features)
    var weights = Matrix(rows: 0, columns: 0)
    var intercepts: [Double] = []
    var classCount = 0

    init(parameters: inout Parameters, classifier: Bool) throws {
        let losses = classifier ? ["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"] : ["squared_error"]
        loss = Loss(rawValue: try parameters.string("loss", classifier ? "hinge" : "squared_error", allowed: losses))!
        _ = try parameters.string("penalty", "l2", allowed: ["l2"])
        alpha = try parameters.double("alpha", 1e-4, "alpha > 0") { $0 > 0 }
        maxIterations = try parameters.int("max_iter", 1000, "max_iter ≥ 1") { $0 >= 1 }
        tolerance = try parameters.double("tol", 1e-3)
        schedule = Schedule(rawValue: try parameters.string("learning_rate", classifier ? "optimal" : "invscaling",
                                                            allowed: ["optimal", "invscaling", "constant"]))!
        eta0 = try parameters.double("eta0", classifier ? 0 : 0.01, "eta0 ≥ 0") { $0 >= 0 }
        powerT = try parameters.double("power_t", classifier ? 0.5 : 0.25)
        patience = try parameters.int("n_iter_no_change", 5, "n_iter_no_change ≥ 1") { $0 >= 1 }
        fitIntercept = try parameters.bool("fit_intercept", true)
        _ = try parameters.bool("shuffle", true)
        if schedule != .optimal && eta0 <= 0 {
            throw ClassicMLError.invalidParameter(estimator: parameters.estimator, name: "eta0", value: "\(eta0)",
                                                  expected: "eta0 > 0 with learning_rate='\(schedule.rawValue)'")
        }
    }

    /// (loss, dloss/dp) at prediction p for target y (±1 for classifiers).
    func lossAndDerivative(_ p: Double, _ y: Double) -> (Double, Double) {
        switch loss {
        case .hinge: let z = p * y; return z <= 1 ? (1 - z, -y) : (0, 0)
        case .perceptron: let z = p * y; return z <= 0 ? (-z, -y) : (0, 0)
        case .squaredHinge: let z = 1 - p * y; return z > 0 ? (z * z, -2 * y * z) : (0, 0)
        case .logLoss:
            let z = p * y
            if z > 18 { return (exp(-z), -y * exp(-z)) }
            if z < -18 { return (-z, -y) }
            return (log1p(exp(-z)), -y / (exp(z) + 1))
        case .modifiedHuber:
            let z = p * y
            if z >= 1 { return (0, 0) }
            if z >= -1 { return ((1 - z) * (1 - z), -2 * y * (1 - z)) }
            return (-4 * z, -4 * y)
        case .squaredError: return (0.5 * (p - y) * (p - y), p - y)
        }
    }

    /// Fits one binary (±1) or regression problem; returns (weights, intercept).
    func fitProblem(_ x: Matrix, _ y: [Double], generator: inout RandomGenerator) -> ([Double], Double) {
        let n = x.rows, d = x.columns
        var w = [Double](repeating: 0, count: d)
        var scale = 1.0  // w is stored scaled: the true weights are scale·w (cheap weight decay)
        var intercept = 0.0
        var t = 1.0
        var optimalInit = 0.0
        if schedule == .optimal {
            let typical = (1 / alpha.squareRoot()).squareRoot()
            let initialEta = typical / max(1, abs(lossAndDerivative(-typical, 1).1))
            optimalInit = 1 / (initialEta * alpha)
        }
        var order = Array(0..<n)
        var best = Double.infinity
        var stale = 0
        x.values.withUnsafeBufferPointer { values in
            for _ in 0..<maxIterations {
                for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
                var epochLoss = 0.0
                for i in order {
                    let row = values.baseAddress! + i * d
                    let eta: Double
                    switch schedule {
                    case .optimal: eta = 1 / (alpha * (optimalInit + t - 1))
                    case .invscaling: eta = eta0 / pow(t, powerT)
                    case .constant: eta = eta0
                    }
                    let p = w.withUnsafeBufferPointer { scale * dot(row, $0.baseAddress!, d) } + intercept
                    let (value, derivative) = lossAndDerivative(p, y[i])
                    epochLoss += value
                    scale *= max(0, 1 - eta * alpha)
                    if scale < 1e-9 {
                        for j in 0..<d { w[j] *= scale }
                        scale = 1
                    }
                    if derivative != 0 {
                        let step = -eta * derivative / scale
                        for j in 0..<d { w[j] += step * row[j] }
                        if fitIntercept { intercept -= eta * derivative }
                    }
                    t += 1
                }
                if tolerance > -Double.infinity && epochLoss > best - tolerance * Double(n) { stale += 1 } else { stale = 0 }
                best = min(best, epochLoss)
                if stale >= patience { break }
            }
        }
        return (w.map { $0 * scale }, intercept)
    }

    func fitLinear(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) {
        self.classCount = classCount
        var generator = RandomGenerator(seed: seed)
        let problems = classCount == 0 || classCount == 2 ? 1 : classCount
        weights = Matrix(rows: problems, columns: x.columns)
        intercepts = [Double](repeating: 0, count: problems)
        for k in 0..<problems {
            let targets: [Double]
            if classCount == 0 { targets = y }
            else if classCount == 2 { targets = y.map { $0 == 1 ? 1 : -1 } }
            else { targets = y.map { Int($0) == k ? 1 : -1 } }
            var problemGenerator = generator.fork()
            let (w, b) = fitProblem(x, targets, generator: &problemGenerator)
            for j in 0..<x.columns { weights[k, j] = w[j] }
            intercepts[k] = b
        }
    }

    /// Decision values (rows, problems).
    func decision(_ x: Matrix) -> Matrix {
        var z = x.multiplied(by: weights, transposeOther: true)
        for i in 0..<x.rows { for k in 0..<intercepts.count { z[i, k] += intercepts[k] } }
        return z
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        state.arrays["coef"] = ([weights.rows, weights.columns], weights.values)
        state.arrays["intercept"] = ([intercepts.count], intercepts)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classCount = Int(try state.number("class_count", estimator: "sgd"))
        guard let coef = state.arrays["coef"], coef.shape.count == 2 else {
            throw ClassicMLError.invalidModel("sgd: the saved model lacks 'coef'")
        }
        weights = Matrix(rows: coef.shape[0], columns: coef.shape[1], values: coef.values)
        intercepts = try state.array("intercept", estimator: "sgd")
    }
}

public final class SGDClassifier: SGDLinear, Estimator {
    public static let name = "sgd_classifier"
    public static let task = EstimatorTask.classification

    public required init(parameters: inout Parameters) throws { try super.init(parameters: &parameters, classifier: true) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitLinear(x, y, classCount: classCount, seed: seed)
    }

    public func predict(_ x: Matrix) -> [Double] {
        let z = decision(x)
        if classCount == 2 { return z.values.map { $0 > 0 ? 1 : 0 } }
        return (0..<x.rows).map { Double(argmax(z.row($0))) }
    }

    /// Probabilities for log_loss (sigmoid, normalised one-vs-rest) and modified_huber.
    public func predictProba(_ x: Matrix) -> Matrix? {
        guard loss == .logLoss || loss == .modifiedHuber else { return nil }
        let z = decision(x)
        func squash(_ v: Double) -> Double { loss == .logLoss ? 1 / (1 + exp(-v)) : (min(max(v, -1), 1) + 1) / 2 }
        var p = Matrix(rows: x.rows, columns: classCount)
        for i in 0..<x.rows {
            if classCount == 2 {
                p[i, 1] = squash(z[i, 0]); p[i, 0] = 1 - p[i, 1]
            } else {
                let values = (0..<classCount).map { squash(z[i, $0]) }
                let sum = values.reduce(0, +)
                for c in 0..<classCount { p[i, c] = sum > 0 ? values[c] / sum : 1 / Double(classCount) }
            }
        }
        return p
    }
}

public final class SGDRegressor: SGDLinear, Estimator {
    public static let name = "sgd_regressor"
    public static let task = EstimatorTask.regression

    public required init(parameters: inout Parameters) throws { try super.init(parameters: &parameters, classifier: false) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        fitLinear(x, y, classCount: 0, seed: seed)
    }

    public func predict(_ x: Matrix) -> [Double] { decision(x).values }
}
