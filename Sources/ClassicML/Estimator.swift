/// What an estimator learns from.
public enum EstimatorTask: String, Codable, Sendable {
    case classification, regression, clustering
    /// Unsupervised projections (PCA): `predict` gives the first score; see `Estimator.transform`.
    case decomposition
}

/// A fitted estimator's learned state: scalars and named arrays. Arrays go to
/// weights.safetensors, scalars to model.json.
public struct EstimatorState: Sendable {
    public var scalars: [String: ParameterValue] = [:]
    /// name → (shape, values)
    public var arrays: [String: (shape: [Int], values: [Double])] = [:]

    public init() {}

    func array(_ name: String, estimator: String) throws -> [Double] {
        guard let array = arrays[name] else {
            throw ClassicMLError.invalidModel("\(estimator): the saved model lacks the array '\(name)'")
        }
        return array.values
    }

    func number(_ name: String, estimator: String) throws -> Double {
        guard case .number(let value)? = scalars[name] else {
            throw ClassicMLError.invalidModel("\(estimator): the saved model lacks the value '\(name)'")
        }
        return value
    }
}

/// A classical estimator in scikit-learn's shape: constructed from
/// parameters (scikit-learn names and defaults), then fit, predict, score.
///
/// Classifiers see targets as class indices 0..<classCount (the caller maps
/// labels); regressors see the numbers; clusterers ignore targets.
public protocol Estimator: AnyObject {
    /// The CLI name, e.g. "random_forest".
    static var name: String { get }
    static var task: EstimatorTask { get }
    /// Semi-supervised: rows whose target is empty or −1 are unlabelled.
    static var acceptsUnlabeled: Bool { get }
    init(parameters: inout Parameters) throws
    func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws
    /// Class indices (classifiers), values (regressors) or cluster labels.
    func predict(_ x: Matrix) -> [Double]
    /// Class probabilities (rows, classes), for classifiers that estimate them.
    func predictProba(_ x: Matrix) -> Matrix?
    /// A projection (rows, components), for decompositions.
    func transform(_ x: Matrix) -> Matrix
    /// Per-feature importances, where the estimator defines them.
    var featureImportances: [Double]? { get }
    func exportState() -> EstimatorState
    func importState(_ state: EstimatorState) throws
}

extension Estimator {
    public static var acceptsUnlabeled: Bool { false }
    public func predictProba(_ x: Matrix) -> Matrix? { nil }
    public func transform(_ x: Matrix) -> Matrix { Matrix(rows: x.rows, columns: 1, values: predict(x)) }
    public var featureImportances: [Double]? { nil }
}
