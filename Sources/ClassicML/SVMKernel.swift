import Foundation

/// The kernel of the libsvm-style machines (SVC, SVR), read with
/// scikit-learn's parameter names: linear ⟨x, z⟩, RBF exp(−γ‖x − z‖²),
/// poly (γ⟨x, z⟩ + coef0)^degree, sigmoid tanh(γ⟨x, z⟩ + coef0). γ is
/// "scale" = 1 / (features · Var X) over all values of X, "auto" =
/// 1 / features, or a number; it is resolved once, at fit.
struct SVMKernel {
    enum Kind: String { case linear, rbf, poly, sigmoid }
    let kind: Kind
    let degree: Int
    let gammaSetting: ParameterValue
    let coef0: Double
    var gamma = 1.0

    init(_ parameters: inout Parameters) throws {
        kind = Kind(rawValue: try parameters.string("kernel", "rbf", allowed: ["linear", "rbf", "poly", "sigmoid"]))!
        degree = try parameters.int("degree", 3, "degree ≥ 0") { $0 >= 0 }
        gammaSetting = parameters.raw("gamma", .string("scale"))
        switch gammaSetting {
        case .string("scale"), .string("auto"): break
        case .number(let value) where value >= 0: break
        default:
            throw ClassicMLError.invalidParameter(estimator: parameters.estimator, name: "gamma",
                                                  value: gammaSetting.description,
                                                  expected: "'scale', 'auto' or a number ≥ 0")
        }
        coef0 = try parameters.double("coef0", 0)
    }

    /// Training rows above which the n×n kernel matrix (8n² bytes) is too large to hold.
    static let maxRows = 20_000

    static func checkRows(_ x: Matrix, estimator: String) throws {
        guard x.rows <= maxRows else {
            throw ClassicMLError.tooManyRows(estimator: estimator, rows: x.rows, limit: maxRows,
                                             advice: "kernel SMO holds the full kernel matrix — subsample the rows, "
                                                 + "or use linear_svc for a linear kernel")
        }
    }

    /// Sets γ from the training features.
    mutating func resolveGamma(for x: Matrix) {
        switch gammaSetting {
        case .number(let value): gamma = value
        case .string("auto"): gamma = 1 / Double(x.columns)
        default:
            let mean = x.values.reduce(0, +) / Double(x.values.count)
            let variance = x.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.values.count)
            gamma = variance > 0 ? 1 / (Double(x.columns) * variance) : 1
        }
    }

    /// K(a, b) (a.rows, b.rows).
    func matrix(_ a: Matrix, _ b: Matrix) -> Matrix {
        var k = a.multiplied(by: b, transposeOther: true)
        switch kind {
        case .linear: break
        case .poly: for i in k.values.indices { k.values[i] = pow(gamma * k.values[i] + coef0, Double(degree)) }
        case .sigmoid: for i in k.values.indices { k.values[i] = tanh(gamma * k.values[i] + coef0) }
        case .rbf:
            let aNorms = (0..<a.rows).map { i in a.row(i).reduce(0) { $0 + $1 * $1 } }
            let bNorms = (0..<b.rows).map { i in b.row(i).reduce(0) { $0 + $1 * $1 } }
            k.values.withUnsafeMutableBufferPointer { values in
                for i in 0..<a.rows {
                    for j in 0..<b.rows {
                        values[i * b.rows + j] = exp(-gamma * max(aNorms[i] + bNorms[j] - 2 * values[i * b.rows + j], 0))
                    }
                }
            }
        }
        return k
    }
}

/// libsvm's dual solver (SMO with the second-order working-set selection of
/// Fan, Chen & Lin 2005, no shrinking) for
///
///     min ½ αᵀQα + pᵀα   subject to   yᵀα = Δ,  0 ≤ α ≤ C,
///
/// where each variable t stands for a training row r_t with sign y_t = ±1
/// and Q_tu = y_t y_u K(r_t, r_u) is read from a precomputed kernel matrix.
/// C-SVC: one variable per row, p = −1. ε-SVR: two per row (α, α*), signs
/// +1 / −1, p = ε − z / ε + z. Stops when the maximal violating pair's gap
/// is below `tolerance`, as libsvm does.
struct SMOSolver {
    /// (n, n) kernel values of the training rows.
    let kernel: Matrix
    let cost: Double
    let tolerance: Double
    /// −1: libsvm's default limit, max(10⁷, 100 · variables).
    let maxIterations: Int

    struct Solution {
        var alpha: [Double]
        var rho: Double
        var iterations: Int
    }

    func solve(rows: [Int], signs: [Double], linear: [Double]) -> Solution {
        let count = rows.count
        let n = kernel.rows
        var alpha = [Double](repeating: 0, count: count)
        var gradient = linear  // ∇f(0) = p
        let cost = self.cost
        let tau = 1e-12
        var iteration = 0
        let limit = maxIterations > 0 ? maxIterations : max(10_000_000, 100 * count)
        kernel.values.withUnsafeBufferPointer { k in
            rows.withUnsafeBufferPointer { rows in
                signs.withUnsafeBufferPointer { signs in
                    alpha.withUnsafeMutableBufferPointer { alpha in
                        gradient.withUnsafeMutableBufferPointer { gradient in
                            var diagonal = [Double](repeating: 0, count: count)
                            for t in 0..<count { diagonal[t] = k[rows[t] * n + rows[t]] }
                            while iteration < limit {
                                // i maximises −y∇f over I_up; j by the second-order gain among I_low.
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
                                    let difference: Double
                                    if signs[t] > 0 {
                                        guard alpha[t] > 0 else { continue }
                                        difference = gMax + gradient[t]
                                        gMax2 = max(gMax2, gradient[t])
                                    } else {
                                        guard alpha[t] < cost else { continue }
                                        difference = gMax - gradient[t]
                                        gMax2 = max(gMax2, -gradient[t])
                                    }
                                    if difference > 0 {
                                        // K_ii + K_tt − 2K_it: the curvature along the pair.
                                        let quadratic = max(diagonal[i] + diagonal[t] - 2 * rowI[rows[t]], tau)
                                        let gain = -difference * difference / quadratic
                                        if gain <= best { best = gain; j = t }
                                    }
                                }
                                if gMax + gMax2 < tolerance || j < 0 { break }
                                iteration += 1
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
                                let deltaI = signs[i] * (alpha[i] - oldI), deltaJ = signs[j] * (alpha[j] - oldJ)
                                for t in 0..<count {
                                    gradient[t] += signs[t] * (rowI[rows[t]] * deltaI + rowJ[rows[t]] * deltaJ)
                                }
                            }
                        }
                    }
                }
            }
        }
        // ρ: the mean of y∇f over free variables, else the middle of the feasible interval.
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
        return Solution(alpha: alpha, rho: freeCount > 0 ? freeSum / Double(freeCount) : (upper + lower) / 2,
                        iterations: iteration)
    }
}
