import ClassicML
import DataPrep
import Foundation

/// One scikit-learn result from Fixtures/golden.json (made by
/// bench/golden/make_sklearn_fixtures.py).
struct GoldenCase: Decodable, CustomStringConvertible, Sendable {
    var dataset: String
    var estimator: String
    var params: [String: ParameterValue]
    var scale: String?
    var impute: String?
    var encode: String?
    var task: String
    var deterministic: Bool
    /// Allowed metric difference for non-deterministic algorithms.
    var tolerance: Double?
    var metric: String
    var value: Double
    var predictions: [ParameterValue]
    var inertia: Double?
    /// sklearn's predict_proba on the test rows, and the allowed mean |Δp|.
    var probabilities: [[Double]]?
    var probabilityTolerance: Double?
    /// Clusterers: sklearn's labels_ on the training rows.
    var trainLabels: [Int]?
    /// Deterministic regressors whose solver stops at a tolerance: allowed
    /// |Δprediction| as a fraction of the target's σ, and allowed |Δmetric|.
    var predictionTolerance: Double?
    var metricTolerance: Double?

    enum CodingKeys: String, CodingKey {
        case dataset, estimator, params, scale, impute, encode, task, deterministic, tolerance, metric, value, predictions
        case inertia, probabilities
        case probabilityTolerance = "probability_tolerance", trainLabels = "train_labels"
        case predictionTolerance = "prediction_tolerance", metricTolerance = "metric_tolerance"
    }

    var description: String {
        "\(dataset) \(estimator) \(params.keys.sorted().map { "\($0)=\(params[$0]!)" }.joined(separator: " "))"
    }

    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static let all: [GoldenCase] = {
        struct File: Decodable { var cases: [GoldenCase] }
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("golden.json"))
        return try! JSONDecoder().decode(File.self, from: data).cases
    }()

    var settings: EstimatorTraining.Settings {
        var settings = EstimatorTraining.Settings(estimator: estimator)
        settings.parameters = params
        settings.target = "target"
        settings.recipe = TabularRecipe.Options(scaling: scale.flatMap(TabularRecipe.Scaling.init(rawValue:)),
                                                imputation: impute.flatMap(TabularRecipe.Imputation.init(rawValue:)),
                                                encoding: encode.flatMap(TabularRecipe.Encoding.init(rawValue:)))
        return settings
    }
}

/// A fresh directory removed when the value goes away.
final class ScratchDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("classicml-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) -> String {
        let file = url.appendingPathComponent(name)
        try! Data(text.utf8).write(to: file)
        return file.path
    }
}
