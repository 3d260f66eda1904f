import Foundation
import Tensor

/// scikit-learn's KMeans: greedy k-means++ seeding (2 + ⌊ln k⌋ candidates per
/// centre), Lloyd iterations until no label changes or the centres move less
/// than tol × mean feature variance, best of n_init runs by inertia. Each
/// Lloyd step is one parallel pass over blocks of rows that assigns and sums
/// at once, as scikit-learn's does; the nearest centre is found from Float32
/// products (see `Data`), so a row almost equidistant from two centres may
/// go to the other one than in Float64.
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

    /// The rows in both precisions: distances are found from Float32 products
    /// (Orchard's skinny sgemm kernels, half the memory traffic of Float64),
    /// centres are summed and inertia measured in Float64.
    struct Data {
        let x: Matrix
        let single: LargeBuffer<Float>
        /// ‖xᵢ‖² in Float64
        let norms: [Double]

        init(_ x: Matrix) {
            self.x = x
            single = LargeBuffer(count: x.values.count)
            let target = single.pointer
            x.values.withUnsafeBufferPointer { source in
                Parallel.forChunks(x.values.count, grain: 1 << 16) { range in
                    for i in range { target[i] = Float(source[i]) }
                }
            }
            norms = KMeans.rowNorms(x)
        }
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        guard x.rows >= clusterCount else {
            throw ClassicMLError.tooFewRows(estimator: Self.name, rows: x.rows, needed: clusterCount, parameter: "n_clusters")
        }
        let means = x.columnMeans
        var variance = 0.0
        x.values.withUnsafeBufferPointer { v in
            for i in 0..<x.rows {
                for j in 0..<x.columns { variance += (v[i * x.columns + j] - means[j]) * (v[i * x.columns + j] - means[j]) }
            }
        }
        let threshold = tolerance * variance / Double(x.rows * x.columns)
        var generator = RandomGenerator(seed: seed)
        let data = Data(x)
        var bestInertia = Double.infinity
        for _ in 0..<initCount {
            var runGenerator = generator.fork()
            var run = seedCenters(data, &runGenerator)
            var labels = [Int32](repeating: -1, count: x.rows)
            var runIterations = 0
            // Lloyd as scikit-learn runs it: each step assigns rows to the current centres and
            // computes the new ones in the same pass; stop when no label changed (strict
            // convergence) or the centres moved less than the threshold in total.
            for _ in 0..<maxIterations {
                runIterations += 1
                let step = lloydStep(data, centers: run, labels: &labels)
                var shift = 0.0
                for k in 0..<run.values.count {
                    shift += (step.centers.values[k] - run.values[k]) * (step.centers.values[k] - run.values[k])
                }
                run = step.centers
                if step.changed == 0 { break }
                if shift <= threshold { break }
            }
            // The step's labels belong to the centres before it: assign and measure against the final ones.
            let runInertia = lloydStep(data, centers: run, labels: &labels, update: false).inertia
            if runInertia < bestInertia { bestInertia = runInertia; centers = run; iterations = runIterations }
        }
        inertia = bestInertia
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

    /// Rows per block of one Lloyd step: a block's features and its products stay in cache.
    static let blockRows = 256
    /// Blocks are summed in this many fixed parts (then the parts in order), so the
    /// centres do not depend on the thread count.
    static let parts = 16

    /// One pass over the rows: each row's nearest centre (‖c‖² − 2x·c, the product
    /// in Float32 per block), how many labels changed, and either the means of the
    /// new clusters (`update`; an empty cluster keeps its centre) or the exact
    /// inertia (Σ‖x − c‖² in Float64 to the chosen centres).
    func lloydStep(_ data: Data, centers: Matrix, labels: inout [Int32], update: Bool = true)
        -> (centers: Matrix, inertia: Double, changed: Int) {
        let x = data.x
        let k = centers.rows, d = x.columns, n = x.rows
        let single = centers.values.map(Float.init)
        // Norms of the Float32 centres, so that ‖c‖² − 2x·c compares like with like.
        let centerNorms = (0..<k).map { c in (0..<d).reduce(0.0) { $0 + Double(single[c * d + $1]) * Double(single[c * d + $1]) } }
        let partCount = min(Self.parts, max(1, (n + Self.blockRows - 1) / Self.blockRows))
        let partSize = (n + partCount - 1) / partCount
        var sums = [Double](repeating: 0, count: update ? partCount * k * d : 0)
        var counts = [Double](repeating: 0, count: partCount * k)
        var inertias = [Double](repeating: 0, count: partCount)
        var changes = [Int](repeating: 0, count: partCount)
        let xf = UnsafePointer(data.single.pointer)
        withExtendedLifetime(data.single) {
            x.values.withUnsafeBufferPointer { xs in
                centers.values.withUnsafeBufferPointer { cs in
                    single.withUnsafeBufferPointer { cf in
                        labels.withUnsafeMutableBufferPointer { labels in
                            sums.withUnsafeMutableBufferPointer { sums in
                                counts.withUnsafeMutableBufferPointer { counts in
                                    inertias.withUnsafeMutableBufferPointer { inertias in
                                        changes.withUnsafeMutableBufferPointer { changes in
                                            let (labels, sums, counts, inertias, changes) = (labels, sums, counts, inertias, changes)
                                            Parallel.forEach(partCount) { part in
                                                let cross = UnsafeMutablePointer<Float>.allocate(capacity: Self.blockRows * k)
                                                defer { cross.deallocate() }
                                                let partSums = update ? sums.baseAddress! + part * k * d : nil
                                                var partInertia = 0.0, partChanges = 0
                                                let end = min(n, (part + 1) * partSize)
                                                for start in stride(from: part * partSize, to: end, by: Self.blockRows) {
                                                    let rows = min(Self.blockRows, end - start)
                                                    BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: k, k: d,
                                                              a: xf + start * d, lda: d, b: cf.baseAddress!, ldb: d,
                                                              c: cross, ldc: k)
                                                    for r in 0..<rows {
                                                        let i = start + r
                                                        var best = 0, bestValue = Double.infinity
                                                        for c in 0..<k {
                                                            let value = centerNorms[c] - 2 * Double(cross[r * k + c])
                                                            if value < bestValue { bestValue = value; best = c }
                                                        }
                                                        if labels[i] != Int32(best) { partChanges += 1; labels[i] = Int32(best) }
                                                        counts[part * k + best] += 1
                                                        if let partSums {
                                                            let target = partSums + best * d, source = xf + i * d
                                                            for j in 0..<d { target[j] += Double(source[j]) }
                                                        } else {
                                                            partInertia += squaredDistance(xs.baseAddress! + i * d,
                                                                                           cs.baseAddress! + best * d, d)
                                                        }
                                                    }
                                                }
                                                inertias[part] = partInertia
                                                changes[part] = partChanges
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var updated = centers
        if update {
            for c in 0..<k {
                var count = 0.0
                for part in 0..<partCount { count += counts[part * k + c] }
                guard count > 0 else { continue }
                for j in 0..<d {
                    var sum = 0.0
                    for part in 0..<partCount { sum += sums[(part * k + c) * d + j] }
                    updated.values[c * d + j] = sum / count
                }
            }
        }
        return (updated, inertias.reduce(0, +), changes.reduce(0, +))
    }

    /// Squared distances (rows, candidates) from every row to the rows `candidates`.
    func squaredDistances(_ data: Data, to candidates: [Int]) -> [Double] {
        let x = data.x, d = x.columns, m = candidates.count
        var single = [Float](repeating: 0, count: m * d)
        for (t, row) in candidates.enumerated() { for j in 0..<d { single[t * d + j] = data.single.pointer[row * d + j] } }
        let norms = (0..<m).map { t in (0..<d).reduce(0.0) { $0 + Double(single[t * d + $1]) * Double(single[t * d + $1]) } }
        var cross = [Float](repeating: 0, count: x.rows * m)
        withExtendedLifetime(data.single) {
            single.withUnsafeBufferPointer { b in
                cross.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transposeA: false, transposeB: true, m: x.rows, n: m, k: d, a: data.single.pointer, lda: d,
                              b: b.baseAddress!, ldb: d, c: c.baseAddress!, ldc: m)
                }
            }
        }
        var out = [Double](repeating: 0, count: x.rows * m)
        for i in 0..<x.rows {
            for t in 0..<m { out[i * m + t] = max(data.norms[i] + norms[t] - 2 * Double(cross[i * m + t]), 0) }
        }
        return out
    }

    func assign(_ x: Matrix, _ centers: Matrix) -> ([Int], Double) {
        var labels = [Int32](repeating: -1, count: x.rows)
        let step = lloydStep(Data(x), centers: centers, labels: &labels, update: false)
        return (labels.map(Int.init), step.inertia)
    }

    /// Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's variant).
    func seedCenters(_ data: Data, _ generator: inout RandomGenerator) -> Matrix {
        let x = data.x
        let trials = 2 + Int(log(Double(clusterCount)))
        var chosen = [Int(generator.next() % UInt64(x.rows))]
        var closest = squaredDistances(data, to: chosen)
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
            let distances = squaredDistances(data, to: candidates)  // (rows, trials)
            var bestCandidate = 0, bestPotential = Double.infinity, bestClosest = closest
            for t in 0..<trials {
                var updated = closest
                var total = 0.0
                for i in 0..<x.rows { updated[i] = min(updated[i], distances[i * trials + t]); total += updated[i] }
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
