import Foundation
import Tensor

/// scikit-learn's DBSCAN (Ester, Kriegel, Sander & Xu 1996) with Euclidean
/// distances: a row is a core sample when at least min_samples rows (itself
/// included) lie within eps; clusters are the core samples connected through
/// eps-neighbourhoods plus the non-core rows within eps of one of them;
/// everything else is noise (−1). Clusters are numbered as scikit-learn
/// numbers them: by their lowest-index core sample, and a border row within
/// reach of two clusters joins the lower-numbered one, so `labels` equals
/// scikit-learn's labels_ exactly (up to ties at distance eps).
///
/// scikit-learn's DBSCAN cannot label new rows; a deployed model must, so
/// `predict` gives a new row the label of its nearest core sample if that is
/// within eps, and −1 (noise) otherwise. On the training rows this agrees
/// with `labels` for core samples and noise; a border row may instead take
/// the label of its nearest core sample.
public final class DBSCAN: Estimator {
    public static let name = "dbscan"
    public static let task = EstimatorTask.clustering

    let eps: Double
    let minSamples: Int
    /// Cluster of each training row (scikit-learn's labels_), −1 for noise.
    public private(set) var labels: [Int] = []
    /// Indices of the core samples among the training rows (core_sample_indices_).
    public private(set) var coreSampleIndices: [Int] = []
    /// (cores, features), scikit-learn's components_
    var coreSamples = Matrix(rows: 0, columns: 0)
    var coreLabels: [Int] = []

    public init(parameters: inout Parameters) throws {
        eps = try parameters.double("eps", 0.5, "eps > 0") { $0 > 0 }
        minSamples = try parameters.int("min_samples", 5, "min_samples ≥ 1") { $0 >= 1 }
        _ = try parameters.string("metric", "euclidean", allowed: ["euclidean"])
        _ = try parameters.string("algorithm", "auto", allowed: ["auto", "brute", "kd_tree", "ball_tree"])
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let (offsets, neighbors) = Self.radiusNeighbors(of: x, among: x, radius: eps)
        let n = x.rows
        let isCore = (0..<n).map { offsets[$0 + 1] - offsets[$0] >= minSamples }
        labels = [Int](repeating: -1, count: n)
        var cluster = 0
        var stack: [Int] = []
        for start in 0..<n where labels[start] == -1 && isCore[start] {
            // Depth-first from the lowest unlabelled core sample; only core samples spread the label.
            labels[start] = cluster
            stack.append(start)
            while let i = stack.popLast() {
                guard isCore[i] else { continue }
                for position in offsets[i]..<offsets[i + 1] {
                    let j = neighbors[position]
                    if labels[j] == -1 {
                        labels[j] = cluster
                        stack.append(j)
                    }
                }
            }
            cluster += 1
        }
        coreSampleIndices = (0..<n).filter { isCore[$0] }
        coreSamples = x.gatherRows(coreSampleIndices)
        coreLabels = coreSampleIndices.map { labels[$0] }
    }

    /// Rows of `among` within `radius` of each row of `x`, as CSR (offsets, indices),
    /// indices ascending. Candidates come from ‖a‖² + ‖b‖² − 2a·b in blocks
    /// (dgemm); those near the boundary are decided on the exact distance.
    static func radiusNeighbors(of x: Matrix, among reference: Matrix, radius: Double) -> (offsets: [Int], indices: [Int]) {
        let block = 64
        let d = x.columns, m = reference.rows
        let norms = KMeans.rowNorms(x), referenceNorms = KMeans.rowNorms(reference)
        var lists = [[Int]](repeating: [], count: x.rows)
        let squaredRadius = radius * radius
        // ‖a‖² + ‖b‖² − 2a·b loses about 1e-16 · (‖a‖² + ‖b‖²) to rounding; the slack covers it generously.
        let slack = 1e-6 * squaredRadius + 1e-300
        lists.withUnsafeMutableBufferPointer { lists in
            x.values.withUnsafeBufferPointer { a in
                reference.values.withUnsafeBufferPointer { r in
                    let (sink, a, r) = (lists, a.baseAddress!, r.baseAddress!)
                    Parallel.forEach((x.rows + block - 1) / block) { b in
                        let rows = (b * block)..<min(x.rows, (b + 1) * block)
                        let cross = UnsafeMutablePointer<Double>.allocate(capacity: rows.count * max(m, 1))
                        defer { cross.deallocate() }
                        serialDGEMM(false, true, rows.count, m, d, a + rows.lowerBound * d, d, r, d, cross, m)
                        for (offset, i) in rows.enumerated() {
                            var found: [Int] = []
                            let products = cross + offset * m
                            for j in 0..<m {
                                let approximate = norms[i] + referenceNorms[j] - 2 * products[j]
                                guard approximate <= squaredRadius + slack + 1e-9 * (norms[i] + referenceNorms[j]) else { continue }
                                if squaredDistance(a + i * d, r + j * d, d).squareRoot() <= radius { found.append(j) }
                            }
                            sink[i] = found
                        }
                    }
                }
            }
        }
        var offsets = [0]
        offsets.reserveCapacity(x.rows + 1)
        for list in lists { offsets.append(offsets.last! + list.count) }
        return (offsets, lists.flatMap { $0 })
    }

    public func predict(_ x: Matrix) -> [Double] {
        guard coreSamples.rows > 0 else { return [Double](repeating: -1, count: x.rows) }
        // The core samples within eps of each row; the nearest of them (exact distance) gives the label.
        let (offsets, neighbors) = Self.radiusNeighbors(of: x, among: coreSamples, radius: eps)
        return x.values.withUnsafeBufferPointer { a in
            coreSamples.values.withUnsafeBufferPointer { r in
                (0..<x.rows).map { i in
                    var best = -1, bestDistance = Double.infinity
                    for position in offsets[i]..<offsets[i + 1] {
                        let c = neighbors[position]
                        let distance = squaredDistance(a.baseAddress! + i * x.columns, r.baseAddress! + c * x.columns, x.columns)
                        if distance < bestDistance { bestDistance = distance; best = c }
                    }
                    return best < 0 ? -1 : Double(coreLabels[best])
                }
            }
        }
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.arrays["components"] = ([coreSamples.rows, coreSamples.columns], coreSamples.values)
        state.arrays["core_labels"] = ([coreLabels.count], coreLabels.map(Double.init))
        state.arrays["core_sample_indices"] = ([coreSampleIndices.count], coreSampleIndices.map(Double.init))
        state.arrays["labels"] = ([labels.count], labels.map(Double.init))
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        guard let saved = state.arrays["components"], saved.shape.count == 2 else {
            throw ClassicMLError.invalidModel("\(Self.name): the saved model lacks 'components'")
        }
        coreSamples = Matrix(rows: saved.shape[0], columns: saved.shape[1], values: saved.values)
        coreLabels = try state.array("core_labels", estimator: Self.name).map { Int($0) }
        guard coreLabels.count == coreSamples.rows else {
            throw ClassicMLError.invalidModel("\(Self.name): \(coreLabels.count) core labels for \(coreSamples.rows) core samples")
        }
        coreSampleIndices = try state.array("core_sample_indices", estimator: Self.name).map { Int($0) }
        labels = try state.array("labels", estimator: Self.name).map { Int($0) }
    }
}
