/// Scores with scikit-learn's definitions.
public enum Metrics {
    public static func accuracy(_ truth: [Double], _ predicted: [Double]) -> Double {
        guard !truth.isEmpty else { return 0 }
        return Double(zip(truth, predicted).filter { $0 == $1 }.count) / Double(truth.count)
    }

    /// Coefficient of determination.
    public static func r2(_ truth: [Double], _ predicted: [Double]) -> Double {
        let mean = truth.reduce(0, +) / Double(truth.count)
        let residual = zip(truth, predicted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let total = truth.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
    }

    public static func meanSquaredError(_ truth: [Double], _ predicted: [Double]) -> Double {
        zip(truth, predicted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(truth.count, 1))
    }

    public static func meanAbsoluteError(_ truth: [Double], _ predicted: [Double]) -> Double {
        zip(truth, predicted).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(max(truth.count, 1))
    }

    /// Macro-averaged F1 over the classes present in either array.
    public static func f1Macro(_ truth: [Double], _ predicted: [Double]) -> Double {
        let classes = Set(truth).union(predicted)
        let scores = classes.map { c -> Double in
            let tp = Double(zip(truth, predicted).filter { $0 == c && $1 == c }.count)
            let fp = Double(zip(truth, predicted).filter { $0 != c && $1 == c }.count)
            let fn = Double(zip(truth, predicted).filter { $0 == c && $1 != c }.count)
            return tp == 0 ? 0 : 2 * tp / (2 * tp + fp + fn)
        }
        return scores.reduce(0, +) / Double(max(scores.count, 1))
    }

    /// Adjusted Rand index (Hubert & Arabie), as sklearn.metrics.adjusted_rand_score.
    public static func adjustedRand(_ truth: [Double], _ predicted: [Double]) -> Double {
        var table: [Double: [Double: Double]] = [:]
        for (a, b) in zip(truth, predicted) { table[a, default: [:]][b, default: 0] += 1 }
        func pairs(_ n: Double) -> Double { n * (n - 1) / 2 }
        let index = table.values.flatMap(\.values).reduce(0) { $0 + pairs($1) }
        let rows = table.values.map { $0.values.reduce(0, +) }.reduce(0) { $0 + pairs($1) }
        var columnTotals: [Double: Double] = [:]
        for row in table.values { for (b, n) in row { columnTotals[b, default: 0] += n } }
        let columns = columnTotals.values.reduce(0) { $0 + pairs($1) }
        let expected = rows * columns / pairs(Double(truth.count))
        let maximum = (rows + columns) / 2
        return maximum == expected ? 1 : (index - expected) / (maximum - expected)
    }
}
