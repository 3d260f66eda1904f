import CBLAS
import Foundation

/// The primal L2-regularised squared-hinge SVM,
///
///     min f(w) = ½‖w‖² + C Σᵢ max(0, 1 − yᵢ wᵀxᵢ)²,
///
/// by Newton's method on its generalised Hessian I + 2C X_Iᵀ X_I (I: rows
/// inside the margin), each step solved by conjugate gradients with
/// Hessian-vector products (two dgemv, never forming the Hessian) and a
/// backtracking line search — the problem liblinear solves with a trust
/// region for scikit-learn's LinearSVC(dual=False), which dual="auto"
/// chooses when there are at least as many rows as features. Stops, as
/// liblinear does, when ‖∇f(w)‖ ≤ tol · max(min(N₊, N₋), 1)/N · ‖∇f(0)‖.
struct SquaredHingeNewton {
    let cost: Double
    let tolerance: Double
    let maxIterations: Int

    /// x: (n, width) row-major; signs ±1. Returns w and the Newton iterations.
    func solve(_ x: [Double], rows n: Int, width: Int, signs: [Double]) -> ([Double], Int) {
        var w = [Double](repeating: 0, count: width)
        var z = [Double](repeating: 0, count: n)  // Xw
        var inside = [Bool](repeating: true, count: n)
        let positives = signs.filter { $0 > 0 }.count
        let scale = Double(max(min(positives, n - positives), 1)) / Double(n)
        var iteration = 0
        x.withUnsafeBufferPointer { xs in
            let x = xs.baseAddress!
            // f and ∇f at w, given z = Xw; also marks the rows inside the margin.
            func evaluate(_ w: [Double], _ z: [Double], gradient: inout [Double]) -> Double {
                var value = 0.0
                var residual = [Double](repeating: 0, count: n)  // 2C (z − y) on I, else 0
                for i in 0..<n {
                    let margin = 1 - signs[i] * z[i]
                    inside[i] = margin > 0
                    if margin > 0 {
                        value += margin * margin
                        residual[i] = 2 * cost * (z[i] - signs[i])
                    }
                }
                value = cost * value + 0.5 * w.reduce(0) { $0 + $1 * $1 }
                gradient = w
                residual.withUnsafeBufferPointer { r in
                    gradient.withUnsafeMutableBufferPointer { g in
                        transposedProduct(x, n, width, r.baseAddress!, g.baseAddress!, beta: 1)
                    }
                }
                return value
            }
            var gradient = [Double](repeating: 0, count: width)
            var value = evaluate(w, z, gradient: &gradient)
            let stop = tolerance * scale * norm(gradient)
            while iteration < maxIterations && norm(gradient) > stop {
                iteration += 1
                let step = newtonStep(x, n, width, gradient: gradient, inside: inside)
                // Xs once; then f(w + t·s) costs O(n) per trial t.
                var xs = [Double](repeating: 0, count: n)
                step.withUnsafeBufferPointer { s in
                    xs.withUnsafeMutableBufferPointer { out in product(x, n, width, s.baseAddress!, out.baseAddress!) }
                }
                let slope = zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
                guard slope < 0 else { break }
                var t = 1.0
                var accepted = false
                while t > 1e-12 {
                    var trial = 0.0, wNorm = 0.0
                    for i in 0..<n {
                        let margin = 1 - signs[i] * (z[i] + t * xs[i])
                        if margin > 0 { trial += margin * margin }
                    }
                    for j in 0..<width { let v = w[j] + t * step[j]; wNorm += v * v }
                    trial = cost * trial + 0.5 * wNorm
                    if trial <= value + 0.01 * t * slope {
                        accepted = true
                        break
                    }
                    t /= 2
                }
                guard accepted else { break }
                for j in 0..<width { w[j] += t * step[j] }
                for i in 0..<n { z[i] += t * xs[i] }
                value = evaluate(w, z, gradient: &gradient)
            }
        }
        return (w, iteration)
    }

    /// s ≈ −H⁻¹g by conjugate gradients, H v = v + 2C X_Iᵀ X_I v; stops at
    /// ‖residual‖ ≤ 0.1‖g‖ (liblinear's choice) or after `width` steps.
    private func newtonStep(_ x: UnsafePointer<Double>, _ n: Int, _ width: Int, gradient: [Double],
                            inside: [Bool]) -> [Double] {
        var s = [Double](repeating: 0, count: width)
        var r = gradient.map { -$0 }
        var d = r
        var hd = [Double](repeating: 0, count: width)
        var xd = [Double](repeating: 0, count: n)
        var rr = r.reduce(0) { $0 + $1 * $1 }
        let target = 0.1 * rr.squareRoot()
        for _ in 0..<max(width, 1) {
            if rr.squareRoot() <= target { break }
            d.withUnsafeBufferPointer { d in
                xd.withUnsafeMutableBufferPointer { xd in
                    product(x, n, width, d.baseAddress!, xd.baseAddress!)
                    for i in 0..<n { xd[i] = inside[i] ? 2 * cost * xd[i] : 0 }
                    hd.withUnsafeMutableBufferPointer { hd in
                        hd.baseAddress!.update(from: d.baseAddress!, count: width)
                        transposedProduct(x, n, width, xd.baseAddress!, hd.baseAddress!, beta: 1)
                    }
                }
            }
            let curvature = zip(d, hd).reduce(0) { $0 + $1.0 * $1.1 }
            guard curvature > 0 else { break }
            let alpha = rr / curvature
            for j in 0..<width {
                s[j] += alpha * d[j]
                r[j] -= alpha * hd[j]
            }
            let next = r.reduce(0) { $0 + $1 * $1 }
            let beta = next / rr
            rr = next
            for j in 0..<width { d[j] = r[j] + beta * d[j] }
        }
        return s
    }

    private func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// out (n) = X v.
    private func product(_ x: UnsafePointer<Double>, _ n: Int, _ width: Int, _ v: UnsafePointer<Double>,
                         _ out: UnsafeMutablePointer<Double>) {
        serialDGEMV(false, n, width, x, v, out, beta: 0)
    }

    /// out (width) = Xᵀ u + beta · out.
    private func transposedProduct(_ x: UnsafePointer<Double>, _ n: Int, _ width: Int, _ u: UnsafePointer<Double>,
                                   _ out: UnsafeMutablePointer<Double>, beta: Double) {
        serialDGEMV(true, n, width, x, u, out, beta: beta)
    }
}
