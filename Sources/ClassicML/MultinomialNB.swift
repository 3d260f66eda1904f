import Foundation

/// scikit-learn's MultinomialNB for counts (word counts, pixel intensities):
/// per-class feature counts smoothed by alpha (Lidstone; 1 = Laplace),
/// log P(feature | class) = log((N_cf + α) / (N_c + α·features)), and class
/// priors from the class frequencies (fit_prior) or uniform. Features must
/// be ≥ 0, so scale with --scale minmax (not standard) if at all.
public final class MultinomialNB: Estimator {
    public static let name = "multinomial_nb"
    public static let task = EstimatorTask.classification

    let alpha: Double
    let fitPrior: Bool
    /// (classes, features)
    var featureLogProbabilities = Matrix(rows: 0, columns: 0)
    var classLogPriors: [Double] = []

    public init(parameters: inout Parameters) throws {
        let given = try parameters.double("alpha", 1.0, "alpha ≥ 0") { $0 >= 0 }
        let force = try parameters.bool("force_alpha", true)
        // Without force_alpha, scikit-learn lifts alpha to 1e-10 so no log is of zero.
        alpha = force ? given : max(given, 1e-10)
        fitPrior = try parameters.bool("fit_prior", true)
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        let d = x.columns
        if let position = x.values.firstIndex(where: { $0 < 0 }) {
            throw ClassicMLError.negativeFeature(estimator: Self.name, feature: position % d, column: nil, row: position / d,
                                                 value: x.values[position])
        }
        var counts = Matrix(rows: classCount, columns: d)
        var classCounts = [Double](repeating: 0, count: classCount)
        for i in 0..<x.rows {
            let c = Int(y[i])
            classCounts[c] += 1
            for j in 0..<d { counts[c, j] += x.values[i * d + j] }
        }
        featureLogProbabilities = Matrix(rows: classCount, columns: d)
        for c in 0..<classCount {
            let total = (0..<d).reduce(0) { $0 + counts[c, $1] + alpha }
            for j in 0..<d { featureLogProbabilities[c, j] = log(counts[c, j] + alpha) - log(total) }
        }
        classLogPriors = fitPrior
            ? classCounts.map { log($0) - log(Double(x.rows)) }
            : [Double](repeating: -log(Double(classCount)), count: classCount)
    }

    /// log P(class) + Σ x_f log P(f | class) (rows, classes).
    func jointLogLikelihood(_ x: Matrix) -> Matrix {
        var joint = x.multiplied(by: featureLogProbabilities, transposeOther: true)
        for i in 0..<x.rows { for c in 0..<classLogPriors.count { joint[i, c] += classLogPriors[c] } }
        return joint
    }

    public func predict(_ x: Matrix) -> [Double] {
        let joint = jointLogLikelihood(x)
        return (0..<x.rows).map { Double(argmax(joint.row($0))) }
    }

    public func predictProba(_ x: Matrix) -> Matrix? { jointLogLikelihood(x).rowSoftmax() }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.arrays["feature_log_prob"] = ([featureLogProbabilities.rows, featureLogProbabilities.columns],
                                           featureLogProbabilities.values)
        state.arrays["class_log_prior"] = ([classLogPriors.count], classLogPriors)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classLogPriors = try state.array("class_log_prior", estimator: Self.name)
        guard let saved = state.arrays["feature_log_prob"], saved.shape.count == 2, saved.shape[0] == classLogPriors.count else {
            throw ClassicMLError.invalidModel("\(Self.name): the saved model lacks feature_log_prob for its classes")
        }
        featureLogProbabilities = Matrix(rows: saved.shape[0], columns: saved.shape[1], values: saved.values)
    }
}
