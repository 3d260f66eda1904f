import Foundation
import Tensor

/// scikit-learn's KMeans: greedy k-means++ seeding (2 + ⌊ln k⌋ candidates per
/// centre), Lloyd iterations until the centres move less than
/// tol × mean feature variance, best of n_init runs by inertia.
public final class KMeans: Estimator {
    public static let name = "kmeans"
    public static let task = EstimatorTask.clustering
    let clusterCount: Int
    let initCount: Int
    let maxIterations: Int
    let tolerance: Double
    /// (clusters, features)
    var centers = Matrix(rows: 0, columns: 0)
    public private(set) var inertia = 0.0
    /// Lloyd iterations of the best run.
    public private(set) var iterations = 0

    public init(parameters: inout Parameters) throws {
        clusterCount = try parameters.int("n_clusters", 8, "n_clusters ≥ 1") { $0 >= 1 }
        let initValue = parameters.raw("n_init", .string("auto"))
        switch initValue {
        case .string("auto"): initCount = 1
        case .number(let n) where n >= 1 && n == n.rounded(): initCount = Int(n)
        default:
            throw ClassicMLError.invalidParameter(estimator: Self.name, name: "n_init", value: initValue.description,
                                                  expected: "'auto' or an integer ≥ 1")
        }
        maxIterations = try parameters.int("max_iter", 300, "max_iter ≥ 1") { $0 >= 1 }
        tolerance = try parameters.double("tol", 1e-4, "tol ≥ 0") { $0 >= 0 }
        _ = try parameters.string("init", "k-means++", allowed: ["k-means++"])
        _ = try parameters.string("algorithm", "lloyd", allowed: ["lloyd"])
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        guard x.rows >= clusterCount else {
            throw ClassicMLError.tooFewRows(estimator: Self.name, rows: x.rows, needed: clusterCount, parameter: "n_clusters")
        }
        let means = x.columnMeans
        var variance = 0.0
        for i in 0..<x.rows { for j in 0..<x.columns { variance += (x[i, j] - means[j]) * (x[i, j] - means[j]) } }
        let threshold = tolerance * variance / Double(x.rows * x.columns)
        var generator = RandomGenerator(seed: seed)
        let norms = Self.rowNorms(x)
        var bestInertia = Double.infinity
        for _ in 0..<initCount {
            var runGenerator = generator.fork()
            var run = seedCenters(x, norms: norms, &runGenerator)
            var (labels, runInertia) = assign(x, run, norms: norms)
            var runIterations = 0
            for _ in 0..<maxIterations {
                runIterations += 1
                let updated = recompute(x, labels, previous: run)
                var shift = 0.0
                for k in 0..<updated.values.count { shift += (updated.values[k] - run.values[k]) * (updated.values[k] - run.values[k]) }
                run = updated
                let (newLabels, newInertia) = assign(x, run, norms: norms)
                let unchanged = newLabels == labels
                (labels, runInertia) = (newLabels, newInertia)
                if unchanged || shift <= threshold { break }
            }
            if runInertia < bestInertia { bestInertia = runInertia; centers = run; iterations = runIterations }
        }
        inertia = bestInertia
    }

    /// Squared distances (rows, clusters); `norms` are the rows' squared norms.
    func squaredDistances(_ x: Matrix, _ centers: Matrix, norms: [Double]) -> Matrix {
        var cross = x.multiplied(by: centers, transposeOther: true)
        let centerNorms = (0..<centers.rows).map { c in centers.row(c).reduce(0) { $0 + $1 * $1 } }
        let k = centers.rows
        cross.values.withUnsafeMutableBufferPointer { d in
            for i in 0..<x.rows {
                for c in 0..<k { d[i * k + c] = max(norms[i] + centerNorms[c] - 2 * d[i * k + c], 0) }
            }
        }
        return cross
    }

    static func rowNorms(_ x: Matrix) -> [Double] {
        x.values.withUnsafeBufferPointer { v in
            (0..<x.rows).map { i in
                var sum = 0.0
                for j in 0..<x.columns { sum += v[i * x.columns + j] * v[i * x.columns + j] }
                return sum
            }
        }
    }

    func assign(_ x: Matrix, _ centers: Matrix, norms: [Double]? = nil) -> ([Int], Double) {
        let distances = squaredDistances(x, centers, norms: norms ?? Self.rowNorms(x))
        var labels = [Int](repeating: 0, count: x.rows)
        var total = 0.0
        let k = centers.rows
        distances.values.withUnsafeBufferPointer { d in
            for i in 0..<x.rows {
                var best = 0, bestValue = d[i * k]
                for c in 1..<max(k, 1) where d[i * k + c] < bestValue { best = c; bestValue = d[i * k + c] }
                labels[i] = best
                total += bestValue
            }
        }
        return (labels, total)
    }

    func recompute(_ x: Matrix, _ labels: [Int], previous: Matrix) -> Matrix {
        var sums = [Double](repeating: 0, count: clusterCount * x.columns)
        var counts = [Double](repeating: 0, count: clusterCount)
        let d = x.columns
        x.values.withUnsafeBufferPointer { v in
            sums.withUnsafeMutableBufferPointer { s in
                for i in 0..<x.rows {
                    let c = labels[i]
                    counts[c] += 1
                    let target = s.baseAddress! + c * d, source = v.baseAddress! + i * d
                    for j in 0..<d { target[j] += source[j] }
                }
            }
        }
        for c in 0..<clusterCount {
            for j in 0..<d { sums[c * d + j] = counts[c] > 0 ? sums[c * d + j] / counts[c] : previous[c, j] }
        }
        return Matrix(rows: clusterCount, columns: d, values: sums)
    }

    /// Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's variant).
    func seedCenters(_ x: Matrix, norms: [Double], _ generator: inout RandomGenerator) -> Matrix {
        let trials = 2 + Int(log(Double(clusterCount)))
        var chosen = [Int(generator.next() % UInt64(x.rows))]
        var closest = squaredDistances(x, x.gatherRows([chosen[0]]), norms: norms).values
        var potential = closest.reduce(0, +)
        while chosen.count < clusterCount {
            // Candidates drawn proportionally to the current squared distance.
            var candidates: [Int] = []
            var cumulative = closest
            for i in 1..<cumulative.count { cumulative[i] += cumulative[i - 1] }
            for _ in 0..<trials {
                let r = Double(generator.next() >> 11) * 0x1p-53 * potential
                var low = 0, high = cumulative.count - 1
                while low < high { let mid = (low + high) / 2; if cumulative[mid] <= r { low = mid + 1 } else { high = mid } }
                candidates.append(low)
            }
            let distances = squaredDistances(x, x.gatherRows(candidates), norms: norms)  // (rows, trials)
            var bestCandidate = 0, bestPotential = Double.infinity, bestClosest = closest
            for t in 0..<trials {
                var updated = closest
                var total = 0.0
                for i in 0..<x.rows { updated[i] = min(updated[i], distances[i, t]); total += updated[i] }
                if total < bestPotential { bestPotential = total; bestCandidate = t; bestClosest = updated }
            }
            chosen.append(candidates[bestCandidate])
            closest = bestClosest
            potential = bestPotential
        }
        return x.gatherRows(chosen)
    }

    public func predict(_ x: Matrix) -> [Double] { assign(x, centers).0.map(Double.init) }

    /// The sum of squared distances of rows to their nearest centre.
    public func score(_ x: Matrix) -> Double { assign(x, centers).1 }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["inertia"] = .number(inertia)
        state.scalars["n_iter"] = .number(Double(iterations))
        state.arrays["cluster_centers"] = ([centers.rows, centers.columns], centers.values)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        guard let saved = state.arrays["cluster_centers"], saved.shape.count == 2 else {
            throw ClassicMLError.invalidModel("kmeans: the saved model lacks 'cluster_centers'")
        }
        centers = Matrix(rows: saved.shape[0], columns: saved.shape[1], values: saved.values)
        inertia = (try? state.number("inertia", estimator: Self.name)) ?? 0
    }
}
