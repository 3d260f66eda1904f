/// Errors of classical estimators, phrased for the person who gave the
/// input: which parameter or column, what was expected, what was found.
public enum ClassicMLError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknownEstimator(String, known: [String])
    case unknownParameter(estimator: String, name: String, known: [String])
    case invalidParameter(estimator: String, name: String, value: String, expected: String)
    case oneClass(target: String, label: String)
    case tooFewRows(estimator: String, rows: Int, needed: Int, parameter: String)
    case tooManyRows(estimator: String, rows: Int, limit: Int, advice: String)
    case singularMatrix(estimator: String, detail: String)
    case invalidTarget(String)
    case invalidData(String)
    /// A feature that must be ≥ 0 is not; `column` is filled in by EstimatorTraining when it knows the name.
    case negativeFeature(estimator: String, feature: Int, column: String?, row: Int, value: Double)
    case invalidModel(String)
    case notFitted(String)

    public var description: String {
        switch self {
        case .unknownEstimator(let name, let known):
            return "unknown estimator '\(name)'; known estimators: \(known.joined(separator: ", "))"
        case .unknownParameter(let estimator, let name, let known):
            let near = known.first { $0.lowercased() == name.lowercased() }.map { " (did you mean '\($0)'?)" } ?? ""
            return "\(estimator) has no parameter '\(name)'\(near); its parameters are \(known.joined(separator: ", "))"
        case .invalidParameter(let estimator, let name, let value, let expected):
            return "\(estimator): parameter \(name)=\(value) is out of range; expected \(expected)"
        case .oneClass(let target, let label):
            return "target column '\(target)' has only one class ('\(label)'); a classifier needs at least two — "
                + "check the column or use a regressor"
        case .tooFewRows(let estimator, let rows, let needed, let parameter):
            return "\(estimator): \(parameter) needs at least \(needed) rows but the data has \(rows); "
                + "lower \(parameter) or add rows"
        case .tooManyRows(let estimator, let rows, let limit, let advice):
            return "\(estimator): the data has \(rows) rows, more than the \(limit) this estimator can fit; \(advice)"
        case .negativeFeature(let estimator, let feature, let column, let row, let value):
            let name = column.map { "column '\($0)'" } ?? "feature \(feature)"
            return "\(estimator): \(name) is negative (\(value)) in data row \(row + 1); it needs counts or frequencies "
                + "≥ 0 — use --scale minmax or no scaling, and non-negative data"
        case .singularMatrix(let estimator, let detail):
            return "\(estimator): \(detail)"
        case .invalidTarget(let message), .invalidData(let message), .invalidModel(let message), .notFitted(let message):
            return message
        }
    }
}
