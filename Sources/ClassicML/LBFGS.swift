import Foundation

/// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking
/// Armijo line search, for smooth convex objectives. Stops when the largest
/// gradient component is ≤ tolerance (scipy's pgtol), when the objective
/// stops decreasing, or after maxIterations.
enum LBFGS {
    struct Result {
        var point: [Double]
        var value: Double
        var iterations: Int
    }

    static func minimize(start: [Double], tolerance: Double, maxIterations: Int, memory: Int = 10,
                         _ objective: (_ point: [Double], _ gradient: inout [Double]) -> Double) -> Result {
        var x = start
        var gradient = [Double](repeating: 0, count: x.count)
        var value = objective(x, &gradient)
        var steps: [[Double]] = [], changes: [[Double]] = [], rhos: [Double] = []
        var iteration = 0
        while iteration < maxIterations {
            if gradient.map(abs).max() ?? 0 <= tolerance { break }
            // Two-loop recursion: direction = -H·g.
            var q = gradient
            var alphas = [Double](repeating: 0, count: steps.count)
            for k in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[k] = rhos[k] * zip(steps[k], q).reduce(0) { $0 + $1.0 * $1.1 }
                for i in q.indices { q[i] -= alphas[k] * changes[k][i] }
            }
            if let s = steps.last, let y = changes.last {
                let scale = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 } / y.reduce(0) { $0 + $1 * $1 }
                for i in q.indices { q[i] *= scale }
            } else {
                let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for i in q.indices { q[i] /= max(norm, 1) }
            }
            for k in 0..<steps.count {
                let beta = rhos[k] * zip(changes[k], q).reduce(0) { $0 + $1.0 * $1.1 }
                for i in q.indices { q[i] += steps[k][i] * (alphas[k] - beta) }
            }
            var direction = q.map { -$0 }
            var slope = zip(direction, gradient).reduce(0) { $0 + $1.0 * $1.1 }
            if slope >= 0 {  // not a descent direction: restart from steepest descent
                steps.removeAll(); changes.removeAll(); rhos.removeAll()
                direction = gradient.map { -$0 }
                slope = -gradient.reduce(0) { $0 + $1 * $1 }
            }
            // Backtracking line search (Armijo, c = 1e-4).
            var step = 1.0
            var candidate = x, candidateGradient = gradient, candidateValue = value
            var accepted = false
            for _ in 0..<40 {
                for i in x.indices { candidate[i] = x[i] + step * direction[i] }
                candidateValue = objective(candidate, &candidateGradient)
                if candidateValue <= value + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iteration += 1
            if !accepted { break }
            let s = zip(candidate, x).map { $0 - $1 }
            let y = zip(candidateGradient, gradient).map { $0 - $1 }
            let curvature = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 }
            let previous = value
            (x, gradient, value) = (candidate, candidateGradient, candidateValue)
            if curvature > 1e-12 {
                steps.append(s); changes.append(y); rhos.append(1 / curvature)
                if steps.count > memory { steps.removeFirst(); changes.removeFirst(); rhos.removeFirst() }
            }
            // scipy's factr stop: relative decrease below 64·ε.
            if (previous - value) / max(abs(previous), abs(value), 1) <= 64 * Double.ulpOfOne { break }
        }
        return Result(point: x, value: value, iterations: iteration)
    }
}
