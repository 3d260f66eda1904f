import Foundation
import Tensor

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
        let aNorms = kind == .rbf ? KMeans.rowNorms(a) : []
        let bNorms = kind == .rbf ? KMeans.rowNorms(b) : []
        k.values.withUnsafeMutableBufferPointer { values in
            let sink = values.baseAddress!
            Parallel.forChunks(a.rows, grain: max(1, 8192 / max(b.rows, 1))) { rows in
                for i in rows { transform(sink + i * b.rows, 0..<b.rows, rowNorm: aNorms.isEmpty ? 0 : aNorms[i], norms: bNorms) }
            }
        }
        return k
    }

    /// K(x, x) for the training rows: the upper triangle of x·xᵀ (dsyrk, or a
    /// parallel dgemm when large) and of the kernel, mirrored — half the work.
    func gram(_ x: Matrix) -> Matrix {
        let n = x.rows
        var k: Matrix
        if n * n * x.columns < 1 << 24 {
            k = Matrix(rows: n, columns: n)
            x.values.withUnsafeBufferPointer { a in
                k.values.withUnsafeMutableBufferPointer { c in
                    serialDSYRK(n, x.columns, a.baseAddress!, x.columns, c.baseAddress!, n)
                }
            }
        } else {
            k = x.multiplied(by: x, transposeOther: true)
        }
        let norms = kind == .rbf ? (0..<n).map { k[$0, $0] } : []
        k.values.withUnsafeMutableBufferPointer { values in
            let sink = values.baseAddress!
            Parallel.forChunks(n, grain: max(1, 8192 / max(n, 1))) { rows in
                for i in rows { transform(sink + i * n, i..<n, rowNorm: norms.isEmpty ? 0 : norms[i], norms: norms) }
            }
            for i in 0..<n { for j in 0..<i { sink[i * n + j] = sink[j * n + i] } }
        }
        return k
    }

    /// Turns dot products ⟨x, z_j⟩ in row[columns] into kernel values.
    private func transform(_ row: UnsafeMutablePointer<Double>, _ columns: Range<Int>, rowNorm: Double, norms: [Double]) {
        switch kind {
        case .linear: break
        case .poly: for j in columns { row[j] = pow(gamma * row[j] + coef0, Double(degree)) }
        case .sigmoid: for j in columns { row[j] = tanh(gamma * row[j] + coef0) }
        case .rbf:
            norms.withUnsafeBufferPointer { norms in
                for j in columns { row[j] = -gamma * max(rowNorm + norms[j] - 2 * row[j], 0) }
            }
            exponentiateNonPositive(row + columns.lowerBound, columns.count)
        }
    }
}

/// eˣ in place for x ≤ 0 (RBF kernel values), eight at a time: x = k·ln 2 + r
/// with |r| ≤ ln 2 / 2 (k by the 1.5·2⁵² rounding trick, ln 2 in two parts
/// as in fdlibm), eʳ by its Taylor series to r¹³ (truncation below 1e-17
/// relative), times 2ᵏ built in the exponent bits. Within 2 ulp of exp;
/// below −708 the result is 0 instead of a subnormal.
func exponentiateNonPositive(_ values: UnsafeMutablePointer<Double>, _ count: Int) {
    var i = 0
    while i + 8 <= count {
        let x = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(values + i).storeBytes(of: exponential(x), as: SIMD8<Double>.self)
        i += 8
    }
    if i < count {
        var x = SIMD8<Double>(repeating: 0)
        for j in 0..<(count - i) { x[j] = values[i + j] }
        let y = exponential(x)
        for j in 0..<(count - i) { values[i + j] = y[j] }
    }
}

@inline(__always)
private func exponential(_ x: SIMD8<Double>) -> SIMD8<Double> {
    let shifter = SIMD8<Double>(repeating: 0x1.8p52)
    let clamped = pointwiseMax(x, SIMD8(repeating: -708))
    let t = clamped * 1.44269504088896338700 + shifter
    let k = t - shifter
    let r = (clamped - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
    var p = SIMD8<Double>(repeating: 1.0 / 6227020800.0)
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    let bits = (unsafeBitCast(t, to: SIMD8<UInt64>.self) &- (0x1.8p52 as Double).bitPattern &+ 1023) &<< 52
    var result = p * unsafeBitCast(bits, to: SIMD8<Double>.self)
    result.replace(with: 0, where: x .< -708)
    return result
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
