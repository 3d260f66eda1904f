import CLAPACK
import Foundation

/// scikit-learn's PCA (full SVD solver, LAPACK dgesdd): centre, decompose,
/// keep n_components directions (an integer, a variance fraction in (0, 1),
/// or None for all). Signs follow sklearn's svd_flip: the largest-magnitude
/// entry of each component is positive. `transform` gives the scores.
public final class PCA: Estimator {
    public static let name = "pca"
    public static let task = EstimatorTask.decomposition
    let componentSetting: ParameterValue
    let whiten: Bool
    var mean: [Double] = []
    /// (components, features)
    var components = Matrix(rows: 0, columns: 0)
    public private(set) var explainedVariance: [Double] = []
    public private(set) var explainedVarianceRatio: [Double] = []

    public init(parameters: inout Parameters) throws {
        componentSetting = parameters.raw("n_components", .none)
        switch componentSetting {
        case .none: break
        case .number(let value) where value > 0 && (value < 1 || value == value.rounded()): break
        default:
            throw ClassicMLError.invalidParameter(estimator: Self.name, name: "n_components", value: componentSetting.description,
                                                  expected: "an integer ≥ 1, a variance fraction in (0, 1), or None")
        }
        whiten = try parameters.bool("whiten", false)
        _ = try parameters.string("svd_solver", "auto", allowed: ["auto", "full"])
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let n = x.rows, d = x.columns
        let rank = min(n, d)
        if case .number(let value) = componentSetting, value >= 1, Int(value) > rank {
            throw ClassicMLError.tooFewRows(estimator: Self.name, rows: rank, needed: Int(value),
                                            parameter: "n_components (at most min(rows, features) = \(rank))")
        }
        guard n >= 2 else { throw ClassicMLError.tooFewRows(estimator: Self.name, rows: n, needed: 2, parameter: "PCA") }
        mean = x.columnMeans
        var centred = x.values
        for i in 0..<n { for j in 0..<d { centred[i * d + j] -= mean[j] } }
        var singular = [Double](repeating: 0, count: rank)
        var u = [Double](repeating: 0, count: n * rank)
        var vt = [Double](repeating: 0, count: rank * d)
        let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int32(n), Int32(d), &centred, Int32(d),
                                  &singular, &u, Int32(rank), &vt, Int32(d))
        guard info == 0 else {
            throw ClassicMLError.singularMatrix(estimator: Self.name,
                                                detail: "the SVD did not converge (LAPACK info \(info)); check for NaN or huge values")
        }
        let variances = singular.map { $0 * $0 / Double(n - 1) }
        let total = variances.reduce(0, +)
        let ratios = variances.map { total > 0 ? $0 / total : 0 }
        var keep = rank
        switch componentSetting {
        case .number(let value) where value < 1:
            var cumulative = 0.0
            keep = rank
            for (k, ratio) in ratios.enumerated() {
                cumulative += ratio
                if cumulative > value - 1e-12 { keep = k + 1; break }
            }
        case .number(let value): keep = Int(value)
        default: break
        }
        components = Matrix(rows: keep, columns: d)
        for k in 0..<keep {
            var row = Array(vt[(k * d)..<((k + 1) * d)])
            let largest = row.indices.max { abs(row[$0]) < abs(row[$1]) }!
            if row[largest] < 0 { row = row.map { -$0 } }
            for j in 0..<d { components[k, j] = row[j] }
        }
        explainedVariance = Array(variances.prefix(keep))
        explainedVarianceRatio = Array(ratios.prefix(keep))
    }

    /// Scores (rows, components).
    public func transform(_ x: Matrix) -> Matrix {
        var centred = x
        for i in 0..<x.rows { for j in 0..<x.columns { centred.values[i * x.columns + j] -= mean[j] } }
        var scores = centred.multiplied(by: components, transposeOther: true)
        if whiten {
            for i in 0..<x.rows {
                for k in 0..<components.rows { scores[i, k] /= explainedVariance[k].squareRoot() }
            }
        }
        return scores
    }

    /// The first component's score of each row (a transformer has no single prediction; see `transform`).
    public func predict(_ x: Matrix) -> [Double] {
        let scores = transform(x)
        return (0..<x.rows).map { scores[$0, 0] }
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.arrays["mean"] = ([mean.count], mean)
        state.arrays["components"] = ([components.rows, components.columns], components.values)
        state.arrays["explained_variance"] = ([explainedVariance.count], explainedVariance)
        state.arrays["explained_variance_ratio"] = ([explainedVarianceRatio.count], explainedVarianceRatio)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        mean = try state.array("mean", estimator: Self.name)
        guard let saved = state.arrays["components"], saved.shape.count == 2 else {
            throw ClassicMLError.invalidModel("\(Self.name): the saved model lacks 'components'")
        }
        components = Matrix(rows: saved.shape[0], columns: saved.shape[1], values: saved.values)
        explainedVariance = try state.array("explained_variance", estimator: Self.name)
        explainedVarianceRatio = try state.array("explained_variance_ratio", estimator: Self.name)
    }
}
