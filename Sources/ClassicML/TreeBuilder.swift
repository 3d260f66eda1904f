import Foundation
import Tensor

/// Tree features: each value rounded to Float32 (as scikit-learn's trees
/// do) and stored as its `SortKey`, in two layouts. Column-major serves the
/// large nodes near the root, whose samples fill most cache lines of a
/// column; row-major serves the many small nodes below, which visit dozens
/// of features of few samples, so one row's cache lines serve several
/// features (scikit-learn reads its row-major X the same way). Built once
/// per fit and shared by all trees of a forest or boosting run.
struct FeatureColumns: @unchecked Sendable {
    let rows: Int
    let features: Int
    /// (features, rows)
    let columnMajor: LargeBuffer<UInt32>
    /// (rows, features)
    let rowMajor: LargeBuffer<UInt32>

    /// Runs `body` with the keys in both layouts, kept alive meanwhile.
    func withKeys<R>(_ body: (FeatureKeys) throws -> R) rethrows -> R {
        try withExtendedLifetime((columnMajor, rowMajor)) {
            try body(FeatureKeys(columns: UnsafePointer(columnMajor.pointer), rows: UnsafePointer(rowMajor.pointer)))
        }
    }

    init(_ x: Matrix) {
        rows = x.rows
        features = x.columns
        columnMajor = LargeBuffer(count: x.rows * x.columns)
        rowMajor = LargeBuffer(count: x.rows * x.columns)
        let (rows, features, columns, rowWise) = (x.rows, x.columns, columnMajor.pointer, rowMajor.pointer)
        x.values.withUnsafeBufferPointer { source in
            Parallel.forChunks(rows, grain: 256) { range in
                for i in range.lowerBound * features..<range.upperBound * features { rowWise[i] = SortKey.make(Float(source[i])) }
            }
            // Blocks of rows × a chunk of features: reads stay within cache lines.
            Parallel.forChunks(features, grain: 16) { chunk in
                for start in stride(from: 0, to: rows, by: 64) {
                    let end = min(rows, start + 64)
                    for feature in chunk {
                        let column = columns + feature * rows
                        for row in start..<end { column[row] = rowWise[row * features + feature] }
                    }
                }
            }
        }
    }
}

/// Pointers to `FeatureColumns`' keys.
struct FeatureKeys {
    let columns: UnsafePointer<UInt32>
    let rows: UnsafePointer<UInt32>
}

/// Grows one CART tree depth-first, as scikit-learn's BestSplitter does: at
/// each node, max_features features drawn in random order (see `bestSplit`
/// for how constant ones count); per feature, the node's values are gathered, sorted (`sortPacked`) and
/// scanned once with running class counts or sums; the best threshold is
/// the midpoint between two consecutive distinct values. Per-sample
/// weights carry bootstrap counts. Features found constant in a node are
/// never drawn again below it. All buffers are allocated once per tree.
final class TreeBuilder {
    let keys: FeatureKeys
    let rows: Int
    let features: Int
    let targets: UnsafePointer<Double>  // class index or value
    let classCount: Int  // 0 for regression
    let settings: TreeSettings
    var generator: RandomGenerator
    var nodes = TreeNodes()

    // Workspace, sized for the samples of the root.
    private let samples: UnsafeMutablePointer<Int32>
    private let packed: UnsafeMutablePointer<UInt64>
    private let scratch: UnsafeMutablePointer<UInt64>
    private let histogram: UnsafeMutablePointer<Int>
    private let nodeTargets: UnsafeMutablePointer<Double>
    private let nodeWeights: UnsafeMutablePointer<Double>
    private let nodeLabels: UnsafeMutablePointer<Int32>
    /// The node's weighted class counts (classification) or Σwy, Σwy² (regression).
    private let nodeCounts: UnsafeMutablePointer<Double>
    private var nodeSum = 0.0, nodeSquares = 0.0
    private let leftCounts: UnsafeMutablePointer<Double>
    private let rightCounts: UnsafeMutablePointer<Double>
    private let order: UnsafeMutablePointer<Int32>
    private let spill: UnsafeMutablePointer<Int32>
    private var weights: UnsafePointer<Double>?
    private let capacity: Int
    private var totalWeight = 0.0

    var outputs: Int { classCount > 0 ? classCount : 1 }

    init(keys: FeatureKeys, rows: Int, features: Int, targets: UnsafePointer<Double>, classCount: Int,
         settings: TreeSettings, generator: RandomGenerator) {
        self.keys = keys
        self.rows = rows
        self.features = features
        self.targets = targets
        self.classCount = classCount
        self.settings = settings
        self.generator = generator
        capacity = max(rows, 1)
        samples = .allocate(capacity: capacity)
        packed = .allocate(capacity: capacity)
        scratch = .allocate(capacity: capacity)
        histogram = .allocate(capacity: 1024)
        nodeTargets = .allocate(capacity: capacity)
        nodeWeights = .allocate(capacity: capacity)
        nodeLabels = .allocate(capacity: capacity)
        nodeCounts = .allocate(capacity: max(classCount, 1))
        leftCounts = .allocate(capacity: max(classCount, 1))
        rightCounts = .allocate(capacity: max(classCount, 1))
        order = .allocate(capacity: max(features, 1))
        spill = .allocate(capacity: capacity)
        for f in 0..<features { order[f] = Int32(f) }
    }

    deinit {
        samples.deallocate()
        packed.deallocate()
        scratch.deallocate()
        histogram.deallocate()
        nodeTargets.deallocate()
        nodeWeights.deallocate()
        nodeLabels.deallocate()
        nodeCounts.deallocate()
        leftCounts.deallocate()
        rightCounts.deallocate()
        order.deallocate()
        spill.deallocate()
    }

    /// Grows the tree on the samples with weight > 0.
    func build(weights: [Double]) -> TreeNodes {
        nodes = TreeNodes()
        nodes.outputs = outputs
        nodes.importances = [Double](repeating: 0, count: features)
        weights.withUnsafeBufferPointer { weights in
            self.weights = weights.baseAddress!
            var count = 0
            totalWeight = 0
            for i in 0..<rows where weights[i] > 0 {
                samples[count] = Int32(i)
                count += 1
                totalWeight += weights[i]
            }
            if count > 0 { grow(0, count, depth: 0, knownConstants: 0) }
            self.weights = nil
        }
        return nodes
    }

    /// Gathers the node's targets and weights (node-local, in sample order) and
    /// returns its impurity, leaf value and weight.
    private func summarise(_ start: Int, _ count: Int) -> (impurity: Double, value: [Double], weight: Double) {
        let weights = self.weights!
        var total = 0.0
        for k in 0..<count {
            let s = Int(samples[start + k])
            nodeTargets[k] = targets[s]
            nodeWeights[k] = weights[s]
            total += weights[s]
        }
        if classCount > 0 {
            nodeCounts.update(repeating: 0, count: classCount)
            for k in 0..<count {
                let c = Int32(nodeTargets[k])
                nodeLabels[k] = c
                nodeCounts[Int(c)] += nodeWeights[k]
            }
            let counts = UnsafeBufferPointer(start: nodeCounts, count: classCount)
            return (impurity(counts, total), counts.map { $0 / total }, total)
        }
        var sum = 0.0, squares = 0.0
        for k in 0..<count {
            let w = nodeWeights[k], y = nodeTargets[k]
            sum += w * y
            squares += w * y * y
        }
        (nodeSum, nodeSquares) = (sum, squares)
        let mean = sum / total
        return (max(squares / total - mean * mean, 0), [mean], total)
    }

    func impurity<C: Collection>(_ counts: C, _ total: Double) -> Double where C.Element == Double {
        guard total > 0 else { return 0 }
        if settings.criterion == .gini {
            var sum = 0.0
            for c in counts { sum += (c / total) * (c / total) }
            return 1 - sum
        }
        var entropy = 0.0
        for c in counts where c > 0 { entropy -= (c / total) * log2(c / total) }
        return entropy
    }

    /// Adds the node for samples[start..<start+count] and its subtree; returns its index.
    /// `knownConstants`: order[0..<knownConstants] are constant in this node (found so in an ancestor).
    @discardableResult
    private func grow(_ start: Int, _ count: Int, depth: Int, knownConstants: Int) -> Int {
        let node = nodes.feature.count
        let (nodeImpurity, value, nodeWeight) = summarise(start, count)
        nodes.feature.append(-1)
        nodes.threshold.append(-2)
        nodes.left.append(-1)
        nodes.right.append(-1)
        nodes.value.append(contentsOf: value)
        guard count >= settings.minSamplesSplit, count >= 2 * settings.minSamplesLeaf,
              settings.maxDepth.map({ depth < $0 }) ?? true, nodeImpurity > 1e-12 else { return node }
        var constants = knownConstants
        guard let split = bestSplit(start, count, nodeImpurity: nodeImpurity, nodeWeight: nodeWeight, constants: &constants)
        else { return node }
        let decrease = nodeWeight / totalWeight * (nodeImpurity - split.childImpurity)
        guard decrease >= settings.minImpurityDecrease else { return node }
        // Stable partition: left (key ≤ the left value's key) first, in sample order.
        // Read the split feature in the layout the split search used.
        let (base, stride) = sparse(count) ? (keys.rows + split.feature, features) : (keys.columns + split.feature * rows, 1)
        var write = start, spilled = 0
        for k in start..<(start + count) {
            let s = samples[k]
            if base[Int(s) &* stride] <= split.leftKey {
                samples[write] = s
                write += 1
            } else {
                spill[spilled] = s
                spilled += 1
            }
        }
        (samples + write).update(from: spill, count: spilled)
        let leftCount = write - start
        nodes.importances[split.feature] += nodeWeight * nodeImpurity - split.weightedChildren
        nodes.feature[node] = split.feature
        nodes.threshold[node] = split.threshold
        nodes.left[node] = grow(start, leftCount, depth: depth + 1, knownConstants: constants)
        nodes.right[node] = grow(write, count - leftCount, depth: depth + 1, knownConstants: constants)
        return node
    }

    /// Nodes with fewer samples than one per 8 keys of a column read the row-major layout.
    @inline(__always)
    private func sparse(_ count: Int) -> Bool { count &* 8 < rows }

    struct Split {
        var feature: Int
        /// The largest key that goes left; the threshold lies between its value and the next.
        var leftKey: UInt32
        var threshold: Double
        /// Weighted mean impurity of the children, and its weight-scaled sum.
        var childImpurity: Double
        var weightedChildren: Double
    }

    /// The best split over max_features features drawn at random, with
    /// scikit-learn's rule for constant features: drawing a feature known to
    /// be constant (from an ancestor) or found constant here still counts as
    /// a visit, and draws go on past max_features only until one
    /// non-constant feature has been evaluated. Features found constant move
    /// into the known-constant prefix of `order` for the subtree.
    ///
    /// `order` regions: [0, drawnKnown) known constants drawn here;
    /// [drawnKnown, known) known constants not drawn; [known, constants)
    /// found constant here; [constants, undrawn) not drawn yet;
    /// [undrawn, features) drawn and evaluated.
    private func bestSplit(_ start: Int, _ count: Int, nodeImpurity: Double, nodeWeight: Double,
                           constants: inout Int) -> Split? {
        let wanted = settings.featureCount(features)
        var best: Split?
        var bestScore = Double.infinity
        let known = constants
        var drawnKnown = 0, found = 0, visited = 0
        var undrawn = features
        let minLeaf = settings.minSamplesLeaf
        let targetsHere = nodeTargets, weightsHere = nodeWeights, labelsHere = nodeLabels
        while undrawn > constants && (visited < wanted || visited <= found + drawnKnown) {
            visited += 1
            var pick = drawnKnown + Int(generator.next() % UInt64(undrawn - found - drawnKnown))
            if pick < known {
                order.swapAt(drawnKnown, pick)
                drawnKnown += 1
                continue
            }
            pick += found
            let feature = Int(order[pick])
            var low = UInt32.max, high = UInt32.min
            if sparse(count) {
                let row = keys.rows + feature
                for k in 0..<count {
                    let key = row[Int(samples[start + k]) &* features]
                    packed[k] = UInt64(key) << 32 | UInt64(k)
                    low = min(low, key)
                    high = max(high, key)
                }
            } else {
                let column = keys.columns + feature * rows
                for k in 0..<count {
                    let key = column[Int(samples[start + k])]
                    packed[k] = UInt64(key) << 32 | UInt64(k)
                    low = min(low, key)
                    high = max(high, key)
                }
            }
            if low == high {
                // Constant here and so in the subtree.
                order.swapAt(pick, constants)
                constants += 1
                found += 1
                continue
            }
            undrawn -= 1
            order.swapAt(undrawn, pick)
            sortPacked(packed, count, scratch: scratch, histogram: histogram)
            if classCount > 0 {
                leftCounts.update(repeating: 0, count: classCount)
                rightCounts.update(from: nodeCounts, count: classCount)
                var leftWeight = 0.0
                // Gini keeps Σcount² of each side up to date: O(1) per position.
                let gini = settings.criterion == .gini
                var leftSquares = 0.0, rightSquares = 0.0
                for c in 0..<classCount { rightSquares += rightCounts[c] * rightCounts[c] }
                for position in 0..<(count - 1) {
                    let k = Int(truncatingIfNeeded: packed[position] & 0xFFFF_FFFF)
                    let w = weightsHere[k]
                    let c = Int(labelsHere[k])
                    if gini {
                        leftSquares += w * (2 * leftCounts[c] + w)
                        rightSquares += w * (w - 2 * rightCounts[c])
                    }
                    leftCounts[c] += w
                    rightCounts[c] -= w
                    leftWeight += w
                    let leftSize = position + 1
                    guard leftSize >= minLeaf, count - leftSize >= minLeaf,
                          packed[position] >> 32 != packed[position + 1] >> 32 else { continue }
                    let rightWeight = nodeWeight - leftWeight
                    let score = gini
                        ? nodeWeight - leftSquares / leftWeight - rightSquares / rightWeight
                        : leftWeight * impurity(UnsafeBufferPointer(start: leftCounts, count: classCount), leftWeight)
                            + rightWeight * impurity(UnsafeBufferPointer(start: rightCounts, count: classCount), rightWeight)
                    if score < bestScore - 1e-12 {
                        bestScore = score
                        best = split(feature, position, score: score, nodeWeight: nodeWeight)
                    }
                }
            } else {
                let (totalSum, totalSquares) = (nodeSum, nodeSquares)
                var leftSum = 0.0, leftWeight = 0.0
                for position in 0..<(count - 1) {
                    let k = Int(truncatingIfNeeded: packed[position] & 0xFFFF_FFFF)
                    leftSum += weightsHere[k] * targetsHere[k]
                    leftWeight += weightsHere[k]
                    let leftSize = position + 1
                    guard leftSize >= minLeaf, count - leftSize >= minLeaf,
                          packed[position] >> 32 != packed[position + 1] >> 32 else { continue }
                    let rightWeight = nodeWeight - leftWeight
                    let rightSum = totalSum - leftSum
                    // Σw(y−ȳ)² per side = Σwy² − (Σwy)²/Σw; the Σwy² terms are common to all splits.
                    let score = totalSquares - leftSum * leftSum / leftWeight - rightSum * rightSum / rightWeight
                    if bestScore == .infinity || score < bestScore - 1e-12 * max(1, abs(bestScore)) {
                        bestScore = score
                        best = split(feature, position, score: score, nodeWeight: nodeWeight)
                    }
                }
            }
        }
        return best
    }

    private func split(_ feature: Int, _ position: Int, score: Double, nodeWeight: Double) -> Split {
        let leftKey = UInt32(truncatingIfNeeded: packed[position] >> 32)
        let a = Double(SortKey.value(leftKey))
        let b = Double(SortKey.value(UInt32(truncatingIfNeeded: packed[position + 1] >> 32)))
        let middle = a / 2 + b / 2
        return Split(feature: feature, leftKey: leftKey, threshold: middle >= b ? a : middle,
                     childImpurity: score / nodeWeight, weightedChildren: score)
    }
}

extension UnsafeMutablePointer where Pointee == Int32 {
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
