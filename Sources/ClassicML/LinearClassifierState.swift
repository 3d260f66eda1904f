/// The saved form of a linear classifier: `coef` (one row per class, or
/// one row for two classes, as scikit-learn's `coef_`), `intercept`, the
/// class count and the solver's iterations. Shared by LogisticRegression
/// and LinearSVC, which differ in how they fit, not in what they keep.
enum LinearClassifierState {
    static func export(classCount: Int, iterations: Int, coefficients: Matrix, intercepts: [Double]) -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        state.scalars["n_iter"] = .number(Double(iterations))
        state.arrays["coef"] = ([coefficients.rows, coefficients.columns], coefficients.values)
        state.arrays["intercept"] = ([intercepts.count], intercepts)
        return state
    }

    /// Checks that the shapes agree with each other and with the class count.
    static func load(_ state: EstimatorState, estimator: String) throws -> (classCount: Int, coefficients: Matrix, intercepts: [Double]) {
        let classCount = Int(try state.number("class_count", estimator: estimator))
        guard let coef = state.arrays["coef"], coef.shape.count == 2, coef.shape[0] * coef.shape[1] == coef.values.count else {
            throw ClassicMLError.invalidModel("\(estimator): the saved model lacks a 2-D 'coef'")
        }
        let coefficients = Matrix(rows: coef.shape[0], columns: coef.shape[1], values: coef.values)
        let intercepts = try state.array("intercept", estimator: estimator)
        guard classCount >= 2, intercepts.count == coefficients.rows, intercepts.count == (classCount == 2 ? 1 : classCount) else {
            throw ClassicMLError.invalidModel("\(estimator): \(intercepts.count) intercepts for \(coefficients.rows) "
                                              + "coefficient rows and \(classCount) classes")
        }
        return (classCount, coefficients, intercepts)
    }
}
