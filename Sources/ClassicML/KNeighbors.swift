import Foundation
import Tensor

/// scikit-learn's KNeighborsClassifier / KNeighborsRegressor, brute force
/// with Euclidean distances (‖a‖² + ‖b‖² − 2a·b through dgemm).
public class KNeighbors {
    let neighborCount: Int
    let distanceWeighted: Bool
    var training = Matrix(rows: 0, columns: 0)
    var targets: [Double] = []
    var classCount = 0

    init(parameters: inout Parameters) throws {
        neighborCount = try parameters.int("n_neighbors", 5, "n_neighbors ≥ 1") { $0 >= 1 }
        distanceWeighted = try parameters.string("weights", "uniform", allowed: ["uniform", "distance"]) == "distance"
        _ = try parameters.string("metric", "minkowski", allowed: ["minkowski", "euclidean"])
        _ = try parameters.double("p", 2, "p = 2 (Euclidean)") { $0 == 2 }
        _ = try parameters.string("algorithm", "auto", allowed: ["auto", "brute", "kd_tree", "ball_tree"])
    }

    func store(_ x: Matrix, _ y: [Double], classCount: Int, name: String) throws {
        guard x.rows >= neighborCount else {
            throw ClassicMLError.tooFewRows(estimator: name, rows: x.rows, needed: neighborCount, parameter: "n_neighbors")
        }
        training = x
        targets = y
        self.classCount = classCount
    }

    /// For each row, the k nearest training rows and their distances, nearest first.
    func neighbors(_ x: Matrix) -> [[(index: Int, distance: Double)]] {
        let cross = x.multiplied(by: training, transposeOther: true)  // (rows, trainingRows)
        let trainNorms = (0..<training.rows).map { i in training.row(i).reduce(0) { $0 + $1 * $1 } }
        var result = [[(index: Int, distance: Double)]](repeating: [], count: x.rows)
        result.withUnsafeMutableBufferPointer { output in
            let sink = output
            Parallel.forChunks(x.rows, grain: 16) { range in
                for i in range {
                    let norm = x.row(i).reduce(0) { $0 + $1 * $1 }
                    var best: [(index: Int, distance: Double)] = []
                    best.reserveCapacity(neighborCount + 1)
                    for j in 0..<training.rows {
                        let distance = max(norm + trainNorms[j] - 2 * cross.values[i * training.rows + j], 0)
                        if best.count < neighborCount || distance < best[best.count - 1].distance {
                            var position = best.count
                            while position > 0 && best[position - 1].distance > distance { position -= 1 }
                            best.insert((j, distance), at: position)
                            if best.count > neighborCount { best.removeLast() }
                        }
                    }
                    sink[i] = best.map { ($0.index, $0.distance.squareRoot()) }
                }
            }
        }
        return result
    }

    func weight(_ distance: Double) -> Double { distanceWeighted ? (distance == 0 ? 1e12 : 1 / distance) : 1 }

    public func exportState() -> EstimatorState {
        var state = EstimatorState()
        state.scalars["class_count"] = .number(Double(classCount))
        state.arrays["fit_X"] = ([training.rows, training.columns], training.values)
        state.arrays["y"] = ([targets.count], targets)
        return state
    }

    public func importState(_ state: EstimatorState) throws {
        classCount = Int(try state.number("class_count", estimator: "knn"))
        guard let fit = state.arrays["fit_X"], fit.shape.count == 2 else {
            throw ClassicMLError.invalidModel("knn: the saved model lacks 'fit_X'")
        }
        training = Matrix(rows: fit.shape[0], columns: fit.shape[1], values: fit.values)
        targets = try state.array("y", estimator: "knn")
    }
}

public final class KNeighborsClassifier: KNeighbors, Estimator {
    public static let name = "knn"
    public static let task = EstimatorTask.classification

    public required override init(parameters: inout Parameters) throws { try super.init(parameters: &parameters) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        try store(x, y, classCount: classCount, name: Self.name)
    }

    public func predictProba(_ x: Matrix) -> Matrix? {
        var p = Matrix(rows: x.rows, columns: classCount)
        for (i, found) in neighbors(x).enumerated() {
            var total = 0.0
            for (index, distance) in found {
                p[i, Int(targets[index])] += weight(distance)
                total += weight(distance)
            }
            for c in 0..<classCount { p[i, c] /= total }
        }
        return p
    }

    public func predict(_ x: Matrix) -> [Double] {
        let p = predictProba(x)!
        return (0..<x.rows).map { Double(argmax(p.row($0))) }
    }
}

public final class KNeighborsRegressor: KNeighbors, Estimator {
    public static let name = "knn_regressor"
    public static let task = EstimatorTask.regression

    public required override init(parameters: inout Parameters) throws { try super.init(parameters: &parameters) }

    public func fit(_ x: Matrix, _ y: [Double], classCount: Int, seed: UInt64) throws {
        try store(x, y, classCount: 0, name: Self.name)
    }

    public func predict(_ x: Matrix) -> [Double] {
        neighbors(x).map { found in
            let total = found.reduce(0) { $0 + weight($1.distance) }
            return found.reduce(0) { $0 + weight($1.distance) * targets[$1.index] } / total
        }
    }
}
