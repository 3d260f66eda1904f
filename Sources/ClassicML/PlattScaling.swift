import Foundation

/// Platt's sigmoid P(y = +1 | f) = 1 / (1 + exp(A·f + B)) over SVM decision
/// values f, fitted as libsvm does: targets smoothed to (N₊ + 1)/(N₊ + 2)
/// and 1/(N₋ + 2), Newton's method with a backtracking line search on the
/// regularised Hessian, and the overflow-free log-likelihood of
/// Lin, Lin & Weng, "A note on Platt's probabilistic outputs for support
/// vector machines" (Machine Learning 68, 2007).
struct PlattSigmoid: Equatable {
    var a: Double
    var b: Double

    /// Fits A and B to decision values and their labels (true = positive class).
    static func fit(decisions: [Double], positive: [Bool]) -> PlattSigmoid {
        let positives = Double(positive.filter { $0 }.count)
        let negatives = Double(positive.count) - positives
        let high = (positives + 1) / (positives + 2), low = 1 / (negatives + 2)
        let targets = positive.map { $0 ? high : low }
        // −log-likelihood, each term written so that exp never overflows.
        func objective(_ a: Double, _ b: Double) -> Double {
            var sum = 0.0
            for (f, t) in zip(decisions, targets) {
                let z = f * a + b
                sum += z >= 0 ? t * z + log1p(exp(-z)) : (t - 1) * z + log1p(exp(z))
            }
            return sum
        }
        var a = 0.0, b = log((negatives + 1) / (positives + 1))
        var value = objective(a, b)
        let maxIterations = 100, minStep = 1e-10, ridge = 1e-12, epsilon = 1e-5
        for _ in 0..<maxIterations {
            var h11 = ridge, h22 = ridge, h21 = 0.0, g1 = 0.0, g2 = 0.0
            for (f, t) in zip(decisions, targets) {
                let z = f * a + b
                // p = 1/(1+e^z), q = 1 − p, both without overflow.
                let (p, q) = z >= 0 ? (exp(-z) / (1 + exp(-z)), 1 / (1 + exp(-z))) : (1 / (1 + exp(z)), exp(z) / (1 + exp(z)))
                let d2 = p * q
                h11 += f * f * d2
                h22 += d2
                h21 += f * d2
                let d1 = t - p
                g1 += f * d1
                g2 += d1
            }
            if abs(g1) < epsilon && abs(g2) < epsilon { break }
            let determinant = h11 * h22 - h21 * h21
            let da = -(h22 * g1 - h21 * g2) / determinant
            let db = -(-h21 * g1 + h11 * g2) / determinant
            let slope = g1 * da + g2 * db
            var step = 1.0
            while step >= minStep {
                let (newA, newB) = (a + step * da, b + step * db)
                let newValue = objective(newA, newB)
                if newValue < value + 1e-4 * step * slope {
                    (a, b, value) = (newA, newB, newValue)
                    break
                }
                step /= 2
            }
            if step < minStep { break }  // the line search failed: keep the last point
        }
        return PlattSigmoid(a: a, b: b)
    }

    /// P(positive | f).
    func probability(_ f: Double) -> Double {
        let z = f * a + b
        return z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
    }
}

/// Class probabilities from pairwise ones by the second method of Wu, Lin &
/// Weng, "Probability estimates for multi-class classification by pairwise
/// coupling" (JMLR 5, 2004): the p on the simplex minimising
/// Σᵢ Σ_{j≠i} (r_ji pᵢ − r_ij pⱼ)², solved by their fixed-point iteration.
/// `pairwise[i][j]` estimates P(class i | class i or j); r_ji = 1 − r_ij.
func pairwiseCoupling(_ pairwise: [[Double]]) -> [Double] {
    let k = pairwise.count
    guard k > 2 else { return k == 2 ? [pairwise[0][1], pairwise[1][0]] : [1] }
    // Q_tt = Σ_{j≠t} r_jt², Q_tj = −r_jt r_tj.
    var q = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
    for t in 0..<k {
        for j in 0..<k where j != t {
            q[t][t] += pairwise[j][t] * pairwise[j][t]
            q[t][j] = -pairwise[j][t] * pairwise[t][j]
        }
    }
    var p = [Double](repeating: 1 / Double(k), count: k)
    var qp = [Double](repeating: 0, count: k)
    let epsilon = 0.005 / Double(k)
    for _ in 0..<max(100, k) {
        // Recomputed each sweep for accuracy; stop when every (Qp)_t equals pᵀQp.
        var pqp = 0.0
        for t in 0..<k {
            qp[t] = 0
            for j in 0..<k { qp[t] += q[t][j] * p[j] }
            pqp += p[t] * qp[t]
        }
        if qp.allSatisfy({ abs($0 - pqp) < epsilon }) { break }
        for t in 0..<k {
            let change = (-qp[t] + pqp) / q[t][t]
            p[t] += change
            pqp = (pqp + change * (change * q[t][t] + 2 * qp[t])) / ((1 + change) * (1 + change))
            for j in 0..<k {
                qp[j] = (qp[j] + change * q[t][j]) / (1 + change)
                p[j] /= 1 + change
            }
        }
    }
    return p
}
