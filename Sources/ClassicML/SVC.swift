import Foundation

/// scikit-learn's SVC (libsvm's C-SVC): kernel SMO with second-order working
/// set selection (Fan, Chen & Lin 2005), one-vs-one for several classes
/// (each pair votes; ties go to the lower class). Kernels: linear, RBF
/// (gamma "scale" = 1 / (features · Var X), "auto" = 1 / features, or a
/// number), poly ((gamma·⟨x, z⟩ + coef0)^degree), sigmoid.
public final class SVC: Estimator {
    public static let name = "svc"
    public static let task = EstimatorTask.classification

    enum Kernel: String { case linear, rbf, poly, sigmoid }
    let cost: Double
    let kernel: Kernel
    let degree: Int
    let gammaSetting: ParameterValue
    let coef0: Double
    let tolerance: Double
    let maxIterations: Int
    var gamma = 1.0
    var classCount = 0
    /// (supportVectors, features)
    var supportVectors = Matrix(rows: 0, columns: 0)
    /// (pairs, supportVectors): αᵢyᵢ of each pair's problem, 0 where a vector is not in it
    var dualCoefficients = Matrix(rows: 0, columns: 0)
    /// (pairs)
    var rho: [Double] = []

    /// Training rows above which the n×n kernel matrix is too large to hold.
    static let maxRows = 20_000

    public init(parameters: inout Parameters) throws {
        cost = try parameters.double("C", 1.0, "C > 0") { $0 > 0 }
        kernel = Kernel(rawValue: try parameters.string("kernel", "rbf", allowed: ["linear", "rbf", "poly", "sigmoid"]))!
        degree = try parameters.int("degree", 3, "degree ≥ 0") { $0 >= 0 }
        gammaSetting = parameters.raw("gamma", .string("scale"))
        switch gammaSetting {
        case .string("scale"), .string("auto"): break
        case .number(let value) where value >= 0: break
        default:
            throw ClassicMLError.invalidParameter(estimator: Self.name, name: "gamma", value: gammaSetting.description,
                                                  expected: "'scale', 'auto' or a number ≥ 0")
        }
        coef0 = try parameters.double("coef0", 0)
        tolerance = try parameters.double("tol", 1e-3, "tol > 0") { $0 > 0 }
        maxIterations = try parameters.int("max_iter", -1, "max_iter ≥ 1, or -1 for no limit") { $0 == -1 || $0 >= 1 }
        guard try parameters.bool("probability", false) == false else {
            throw ClassicMLError.invalidParameter(estimator: Self.name, name: "probability", value: "true",
                                                  expected: "false (Platt probabilities are not implemented yet)")
        }
        _ = try parameters.string("decision_function_shape", "ovr", allowed: ["ovr", "ovo"])
        _ = try parameters.double("cache_size", 200) { $0 > 0 }
    }

    /// K(a, b) (a.rows, b.rows).
    func kernelMatrix(_ a: Matrix, _ b: Matrix) -> Matrix {
        var k = a.multiplied(by: b, transposeOther: true)
        switch kernel {
        case .linear: break
        case .poly: for i in k.values.indices { k.values[i] = pow(gamma * k.values[i] + coef0, Double(degree)) }
        case .sigmoid: for i in k.values.indices { k.values[i] = tanh(gamma * k.values[i] + coef0) }
        case .rbf:
            let aNorms = (0..<a.rows).map { i in a.row(i).reduce(0) { $0 + $1 * $1 } }
            let bNorms = (0..<b.rows).map { i in b.row(i).reduce(0) { $0 + $1 * $1 } }
            for i in 0..<a.rows {
                for j in 0..<b.rows {
                    k.values[i * b.rows + j] = exp(-gamma * max(aNorms[i] + bNorms[j] - 2 * k.values[i * b.rows + j], 0))
                }
            }
        }
        return k
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        guard x.rows <= Self.maxRows else {
            throw ClassicMLError.tooFewRows(estimator: Self.name, rows: x.rows, needed: Self.maxRows,
                                            parameter: "kernel SMO (at most \(Self.maxRows) rows; subsample the data)")
        }
        self.classCount = classCount
        switch gammaSetting {
        case .number(let value): gamma = value
        case .string("auto"): gamma = 1 / Double(x.columns)
        default:
            let mean = x.values.reduce(0, +) / Double(x.values.count)
            let variance = x.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.values.count)
            gamma = variance > 0 ? 1 / (Double(x.columns) * variance) : 1
        }
        let full = kernelMatrix(x, x)
        let labels = y.map { Int($0) }
        var pairs: [(coefficients: [Int: Double], rho: Double)] = []
        for first in 0..<classCount {
            for second in (first + 1)..<classCount {
                let rows = labels.indices.filter { labels[$0] == first || labels[$0] == second }
                let signs = rows.map { labels[$0] == first ? 1.0 : -1.0 }
                let (alpha, rho) = solve(rows: rows, signs: signs, kernel: full, n: x.rows)
                var coefficients: [Int: Double] = [:]
                for (position, row) in rows.enumerated() where alpha[position] > 0 {
                    coefficients[row] = alpha[position] * signs[position]
                }
                pairs.append((coefficients, rho))
            }
        }
        let support = Array(Set(pairs.flatMap { $0.coefficients.keys })).sorted()
        supportVectors = x.gatherRows(support)
        dualCoefficients = Matrix(rows: pairs.count, columns: support.count)
        for (p, pair) in pairs.enumerated() {
            for (s, row) in support.enumerated() { dualCoefficients[p, s] = pair.coefficients[row] ?? 0 }
        }
        rho = pairs.map(\.rho)
    }

    /// libsvm's Solver for one binary problem: returns α and ρ.
    func solve(rows: [Int], signs: [Double], kernel full: Matrix, n: Int) -> ([Double], Double) {
        let count = rows.count
        var alpha = [Double](repeating: 0, count: count)
        var gradient = [Double](repeating: -1, count: count)
        let diagonal = rows.map { full.values[$0 * n + $0] }
        let tau = 1e-12
        var iteration = 0
        let limit = maxIterations > 0 ? maxIterations : max(10_000_000, 100 * count)
        full.values.withUnsafeBufferPointer { k in
            while iteration < limit {
                iteration += 1
                // Working set: i maximises −y∇f over I_up; j by the second-order gain.
                var gMax = -Double.infinity, i = -1
                for t in 0..<count {
                    if signs[t] > 0 {
                        if alpha[t] < cost && -gradient[t] >= gMax { gMax = -gradient[t]; i = t }
                    } else if alpha[t] > 0 && gradient[t] >= gMax { gMax = gradient[t]; i = t }
                }
                guard i >= 0 else { break }
                let rowI = k.baseAddress! + rows[i] * n
                var gMax2 = -Double.infinity, j = -1, best = Double.infinity
                for t in 0..<count {
                    let kit = rowI[rows[t]]
                    if signs[t] > 0 {
                        guard alpha[t] > 0 else { continue }
                        let difference = gMax + gradient[t]
                        gMax2 = max(gMax2, gradient[t])
                        if difference > 0 {
                            let quadratic = max(diagonal[i] + diagonal[t] - 2 * kit, tau)
                            let gain = -difference * difference / quadratic
                            if gain <= best { best = gain; j = t }
                        }
                    } else {
                        guard alpha[t] < cost else { continue }
                        let difference = gMax - gradient[t]
                        gMax2 = max(gMax2, -gradient[t])
                        if difference > 0 {
                            let quadratic = max(diagonal[i] + diagonal[t] - 2 * kit, tau)
                            let gain = -difference * difference / quadratic
                            if gain <= best { best = gain; j = t }
                        }
                    }
                }
                if gMax + gMax2 < tolerance || j < 0 { break }
                let rowJ = k.baseAddress! + rows[j] * n
                let qij = signs[i] * signs[j] * rowI[rows[j]]
                let (oldI, oldJ) = (alpha[i], alpha[j])
                if signs[i] != signs[j] {
                    let quadratic = max(diagonal[i] + diagonal[j] + 2 * qij, tau)
                    let delta = (-gradient[i] - gradient[j]) / quadratic
                    let difference = alpha[i] - alpha[j]
                    alpha[i] += delta; alpha[j] += delta
                    if difference > 0 {
                        if alpha[j] < 0 { alpha[j] = 0; alpha[i] = difference }
                    } else if alpha[i] < 0 { alpha[i] = 0; alpha[j] = -difference }
                    if difference > 0 {
                        if alpha[i] > cost { alpha[i] = cost; alpha[j] = cost - difference }
                    } else if alpha[j] > cost { alpha[j] = cost; alpha[i] = cost + difference }
                } else {
                    let quadratic = max(diagonal[i] + diagonal[j] - 2 * qij, tau)
                    let delta = (gradient[i] - gradient[j]) / quadratic
                    let sum = alpha[i] + alpha[j]
                    alpha[i] -= delta; alpha[j] += delta
                    if sum > cost {
                        if alpha[i] > cost { alpha[i] = cost; alpha[j] = sum - cost }
                    } else if alpha[j] < 0 { alpha[j] = 0; alpha[i] = sum }
                    if sum > cost {
                        if alpha[j] > cost { alpha[j] = cost; alpha[i] = sum - cost }
                    } else if alpha[i] < 0 { alpha[i] = 0; alpha[j] = sum }
                }
                let deltaI = alpha[i] - oldI, deltaJ = alpha[j] - oldJ
                for t in 0..<count {
                    gradient[t] += signs[t] * (signs[i] * rowI[rows[t]] * deltaI + signs[j] * rowJ[rows[t]] * deltaJ)
                }
            }
        }
        // ρ: the mean of y∇f over free vectors, else the middle of the feasible interval.
        var upper = Double.infinity, lower = -Double.infinity, freeSum = 0.0, freeCount = 0
        for t in 0..<count {
            let value = signs[t] * gradient[t]
            if alpha[t] >= cost {
                if signs[t] < 0 { upper = min(upper, value) } else { lower = max(lower, value) }
            } else if alpha[t] <= 0 {
                if signs[t] > 0 { upper = min(upper, value) } else { lower = max(lower, value) }
            } else {
                freeCount += 1
                freeSum += value
            }
        }
        return (alpha, freeCount > 0 ? freeSum / Double(freeCount) : (upper + lower) / 2)
    }

    /// One-vs-one decision values (rows, pairs).
    func decisionValues(_ x: Matrix) -> Matrix {
        let k = kernelMatrix(x, supportVectors)  // (rows, supportVectors)
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

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        state.scalars["gamma"] = .number(gamma)
        state.arrays["support_vectors"] = ([supportVectors.rows, supportVectors.columns], supportVectors.values)
        state.arrays["dual_coef"] = ([dualCoefficients.rows, dualCoefficients.columns], dualCoefficients.values)
        state.arrays["intercept"] = ([rho.count], rho.map { -$0 })
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classCount = Int(try state.number("class_count", estimator: Self.name))
        gamma = try state.number("gamma", estimator: Self.name)
        guard let vectors = state.arrays["support_vectors"], vectors.shape.count == 2,
              let dual = state.arrays["dual_coef"], dual.shape.count == 2 else {
            throw ClassicMLError.invalidModel("\(Self.name): the saved model lacks support_vectors or dual_coef")
        }
        supportVectors = Matrix(rows: vectors.shape[0], columns: vectors.shape[1], values: vectors.values)
        dualCoefficients = Matrix(rows: dual.shape[0], columns: dual.shape[1], values: dual.values)
        rho = try state.array("intercept", estimator: Self.name).map { -$0 }
    }
}
