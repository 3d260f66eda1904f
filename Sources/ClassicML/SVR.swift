import Foundation

/// scikit-learn's SVR (libsvm's ε-SVR): the dual over α, α* ∈ [0, C] solved
/// by the shared SMO (`SMOSolver`, two variables per row with signs +1 / −1
/// and linear terms ε − z / ε + z). Predicts Σ (αᵢ − αᵢ*) K(xᵢ, x) − ρ.
public final class SVR: Estimator {
    public static let name = "svr"
    public static let task = EstimatorTask.regression

    let cost: Double
    let epsilon: Double
    var kernel: SVMKernel
    let tolerance: Double
    let maxIterations: Int
    /// (supportVectors, features)
    var supportVectors = Matrix(rows: 0, columns: 0)
    /// (supportVectors): αᵢ − αᵢ*
    var dualCoefficients: [Double] = []
    var rho = 0.0

    public init(parameters: inout Parameters) throws {
        kernel = try SVMKernel(&parameters)
        cost = try parameters.double("C", 1.0, "C > 0") { $0 > 0 }
        epsilon = try parameters.double("epsilon", 0.1, "epsilon ≥ 0") { $0 >= 0 }
        tolerance = try parameters.double("tol", 1e-3, "tol > 0") { $0 > 0 }
        maxIterations = try parameters.int("max_iter", -1, "max_iter ≥ 1, or -1 for no limit") { $0 == -1 || $0 >= 1 }
        _ = try parameters.double("cache_size", 200) { $0 > 0 }
    }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        try SVMKernel.checkRows(x, estimator: Self.name)
        kernel.resolveGamma(for: x)
        let n = x.rows
        let solver = SMOSolver(kernel: kernel.gram(x), cost: cost, tolerance: tolerance, maxIterations: maxIterations)
        let solution = solver.solve(rows: Array(0..<n) + Array(0..<n),
                                    signs: [Double](repeating: 1, count: n) + [Double](repeating: -1, count: n),
                                    linear: y.map { epsilon - $0 } + y.map { epsilon + $0 })
        let coefficients = (0..<n).map { solution.alpha[$0] - solution.alpha[$0 + n] }
        let support = (0..<n).filter { coefficients[$0] != 0 }
        supportVectors = x.gatherRows(support)
        dualCoefficients = support.map { coefficients[$0] }
        rho = solution.rho
    }

    public func predict(_ x: Matrix) -> [Double] {
        guard supportVectors.rows > 0 else { return [Double](repeating: -rho, count: x.rows) }
        let k = kernel.matrix(x, supportVectors)
        let coefficients = Matrix(rows: dualCoefficients.count, columns: 1, values: dualCoefficients)
        return k.multiplied(by: coefficients).values.map { $0 - rho }
    }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["gamma"] = .number(kernel.gamma)
        state.scalars["intercept"] = .number(-rho)
        state.arrays["support_vectors"] = ([supportVectors.rows, supportVectors.columns], supportVectors.values)
        state.arrays["dual_coef"] = ([dualCoefficients.count], dualCoefficients)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        kernel.gamma = try state.number("gamma", estimator: Self.name)
        rho = -(try state.number("intercept", estimator: Self.name))
        guard let vectors = state.arrays["support_vectors"], vectors.shape.count == 2 else {
            throw ClassicMLError.invalidModel("\(Self.name): the saved model lacks support_vectors")
        }
        supportVectors = Matrix(rows: vectors.shape[0], columns: vectors.shape[1], values: vectors.values)
        dualCoefficients = try state.array("dual_coef", estimator: Self.name)
        guard dualCoefficients.count == supportVectors.rows else {
            throw ClassicMLError.invalidModel("\(Self.name): dual_coef has \(dualCoefficients.count) values for "
                                              + "\(supportVectors.rows) support vectors")
        }
    }
}
