import ClassicML
import DataPrep
import Foundation
import NeuralNet

/// The classical half of `POST /api/v1/jobs`: an estimator with
/// scikit-learn's parameter names, and the tabular preprocessing that is
/// fitted on the training data and replayed on every prediction.
///
///     "estimator": {"name": "random_forest", "params": {"n_estimators": 100}},
///     "preprocessing": {"scale": "standard", "impute": "mean", "encode": "onehot"},
///     "training": {"seed": 0}
public struct EstimatorRequest: Codable, Sendable, Equatable {
    public var name: String
    public var params: [String: ParameterValue]
    public var scale: String?
    public var impute: String?
    public var encode: String?

    public init(name: String, params: [String: ParameterValue] = [:], scale: String? = nil, impute: String? = nil,
                encode: String? = nil) {
        self.name = name
        self.params = params
        self.scale = scale
        self.impute = impute
        self.encode = encode
    }

    /// The recipe options; the names were checked when the job was submitted.
    public var recipeOptions: TabularRecipe.Options {
        TabularRecipe.Options(scaling: scale.flatMap(TabularRecipe.Scaling.init(rawValue:)),
                              imputation: impute.flatMap(TabularRecipe.Imputation.init(rawValue:)),
                              encoding: encode.flatMap(TabularRecipe.Encoding.init(rawValue:)))
    }
}

extension JobRequest {
    static let estimatorFields: Set<String> = ["name", "params"]
    static let tabularPreprocessingFields: Set<String> = ["scale", "impute", "encode"]

    /// A job that fits a classical estimator: the estimator and its parameters
    /// are checked now (unknown names, values out of range), the data when it runs.
    static func parseEstimatorJob(_ object: [String: JSONValue], estimator: JSONValue, dataset: String, target: String,
                                  registerAs: String) throws -> JobRequest {
        guard let fields = estimator.object else {
            throw ServiceError.invalid(field: "estimator", message: "expected an object such as {\"name\": \"random_forest\", \"params\": {}}")
        }
        if let unknown = fields.keys.sorted().first(where: { !estimatorFields.contains($0) }) {
            throw ServiceError.invalid(field: "estimator.\(unknown)", message: "unknown field; expected name, params")
        }
        guard let name = fields["name"]?.string, !name.isEmpty else {
            throw ServiceError.invalid(field: "estimator.name",
                                       message: "required: one of \(EstimatorRegistry.names.joined(separator: ", "))")
        }
        var params: [String: ParameterValue] = [:]
        if let given = fields["params"], !given.isNull {
            guard let list = given.object else {
                throw ServiceError.invalid(field: "estimator.params", message: "expected an object of scikit-learn parameters, e.g. {\"C\": 1.0}")
            }
            for (key, value) in list {
                switch value {
                case .number(let number): params[key] = .number(number)
                case .string(let text): params[key] = .string(text)
                case .bool(let flag): params[key] = .bool(flag)
                case .null: params[key] = ParameterValue.none
                default:
                    throw ServiceError.invalid(field: "estimator.params.\(key)", message: "expected a number, string, boolean or null, found \(value.brief)")
                }
            }
        }
        let canonical: String
        do {
            canonical = try EstimatorRegistry.type(named: name).name
            _ = try EstimatorRegistry.make(name, parameters: params)
        } catch let error as ClassicMLError {
            let field: String
            switch error {
            case .unknownParameter(_, let parameter, _), .invalidParameter(_, let parameter, _, _): field = "estimator.params.\(parameter)"
            default: field = "estimator.name"
            }
            throw ServiceError.invalid(field: field, message: "\(error)")
        }
        var request = EstimatorRequest(name: canonical, params: params)
        if let preprocessing = object["preprocessing"], !preprocessing.isNull {
            guard let options = preprocessing.object else {
                throw ServiceError.invalid(field: "preprocessing", message: "expected an object such as {\"scale\": \"standard\"}")
            }
            if let unknown = options.keys.sorted().first(where: { !tabularPreprocessingFields.contains($0) }) {
                throw ServiceError.invalid(field: "preprocessing.\(unknown)",
                                           message: "unknown field for an estimator; expected scale, impute, encode")
            }
            func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws -> String? where T.RawValue == String {
                guard let value = options[key], !value.isNull else { return nil }
                let allowed = T.allCases.map(\.rawValue)
                guard let text = value.string, allowed.contains(text) else {
                    throw ServiceError.invalid(field: "preprocessing.\(key)",
                                               message: "expected one of \(allowed.joined(separator: ", ")), found \(value.brief)")
                }
                return text
            }
            request.scale = try choice("scale", TabularRecipe.Scaling.self)
            request.impute = try choice("impute", TabularRecipe.Imputation.self)
            request.encode = try choice("encode", TabularRecipe.Encoding.self)
        }
        var training = Training()
        if let settings = object["training"], !settings.isNull {
            guard let fields = settings.object else { throw ServiceError.invalid(field: "training", message: "expected an object") }
            if let unknown = fields.keys.sorted().first(where: { $0 != "seed" }) {
                throw ServiceError.invalid(field: "training.\(unknown)",
                                           message: "does not apply to an estimator (only seed does); its settings go in estimator.params")
            }
            if let value = fields["seed"] { training.seed = UInt64(try integer(value, "training.seed", in: 0...Int.max)) }
        }
        var testDataset: String?
        if let value = object["test_dataset"], !value.isNull { testDataset = try string(value, "test_dataset") }
        return JobRequest(dataset: dataset, target: target, estimator: request, training: training, testDataset: testDataset,
                          registerAs: registerAs)
    }
}
