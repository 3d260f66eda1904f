import Foundation
import NeuralNet

/// What `POST /api/v1/jobs` asks for: data, model, preprocessing, training
/// settings and the registry name. `parse` checks every field and names the
/// one at fault.
public struct JobRequest: Codable, Sendable, Equatable {
    public struct Training: Codable, Sendable, Equatable {
        public var epochs = 5
        public var batchSize = 32
        public var optimizer = "adam"
        public var learningRate: Float?
        public var loss = "sparse_categorical_crossentropy"
        public var metrics = ["accuracy"]
        public var validationSplit = 0.0
        public var seed: UInt64 = 0
        public init() {}
    }

    public var dataset: String
    public var target: String
    /// A network (Keras JSON or Orchard spec), or else…
    public var model: JSONValue?
    /// …a classical estimator with its tabular preprocessing.
    public var estimator: EstimatorRequest?
    public var rescale: Float?
    public var training: Training
    public var testDataset: String?
    public var registerAs: String

    public init(dataset: String, target: String, model: JSONValue? = nil, estimator: EstimatorRequest? = nil,
                rescale: Float? = nil, training: Training = Training(), testDataset: String? = nil, registerAs: String) {
        self.dataset = dataset
        self.target = target
        self.model = model
        self.estimator = estimator
        self.rescale = rescale
        self.training = training
        self.testDataset = testDataset
        self.registerAs = registerAs
    }

    static let fields: Set<String> = ["dataset", "target", "model", "estimator", "preprocessing", "training", "test_dataset",
                                      "register_as"]
    static let trainingFields: Set<String> = ["epochs", "batch_size", "optimizer", "learning_rate", "loss", "metrics",
                                              "validation_split", "seed"]

    /// Validates a request body; the model is checked by building it.
    public static func parse(_ body: JSONValue) throws -> JobRequest {
        guard let object = body.object else { throw ServiceError.invalid(field: nil, message: "the body must be a JSON object") }
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw ServiceError.invalid(field: unknown, message: "unknown field; expected one of \(fields.sorted().joined(separator: ", "))")
        }
        let dataset = try requiredString(object, "dataset")
        let registerAs = try requiredString(object, "register_as")
        try ResourceName.validate(registerAs, field: "register_as")
        if let estimator = object["estimator"], !estimator.isNull {
            guard object["model"] == nil else {
                throw ServiceError.invalid(field: "estimator", message: "give either 'model' (a network) or 'estimator', not both")
            }
            // Clustering and PCA need no target; a named one is left out of the features.
            let target = try object["target"].map { try string($0, "target") } ?? ""
            return try parseEstimatorJob(object, estimator: estimator, dataset: dataset, target: target, registerAs: registerAs)
        }
        let target = try requiredString(object, "target")
        guard let model = object["model"], model.object != nil else {
            throw ServiceError.invalid(field: "model", message: "required: a Keras model.to_json() object or an Orchard spec "
                                       + "(or 'estimator' for classical ML)")
        }
        do { _ = try ModelSpec(document: model, source: "model").build(seed: 0) } catch {
            throw ServiceError.invalid(field: "model", message: "\(error)")
        }
        var rescale: Float?
        if let preprocessing = object["preprocessing"], !preprocessing.isNull {
            guard let fields = preprocessing.object else {
                throw ServiceError.invalid(field: "preprocessing", message: "expected an object such as {\"rescale\": 0.0039}")
            }
            if let unknown = fields.keys.sorted().first(where: { $0 != "rescale" }) {
                throw ServiceError.invalid(field: "preprocessing.\(unknown)", message: "unknown field; expected rescale")
            }
            if let value = fields["rescale"], !value.isNull {
                guard let number = value.number else {
                    throw ServiceError.invalid(field: "preprocessing.rescale", message: "expected a number, found \(value.brief)")
                }
                rescale = Float(number)
            }
        }
        var training = Training()
        if let settings = object["training"], !settings.isNull {
            guard let fields = settings.object else { throw ServiceError.invalid(field: "training", message: "expected an object") }
            if let unknown = fields.keys.sorted().first(where: { !trainingFields.contains($0) }) {
                throw ServiceError.invalid(field: "training.\(unknown)",
                                           message: "unknown field; expected one of \(trainingFields.sorted().joined(separator: ", "))")
            }
            if let value = fields["epochs"] { training.epochs = try integer(value, "training.epochs", in: 1...100_000) }
            if let value = fields["batch_size"] { training.batchSize = try integer(value, "training.batch_size", in: 1...1_000_000) }
            if let value = fields["seed"] { training.seed = UInt64(try integer(value, "training.seed", in: 0...Int.max)) }
            if let value = fields["optimizer"] {
                training.optimizer = try string(value, "training.optimizer")
                do { _ = try OptimizerFactory.make(training.optimizer, learningRate: nil) } catch {
                    throw ServiceError.invalid(field: "training.optimizer", message: "\(error)")
                }
            }
            if let value = fields["learning_rate"], !value.isNull {
                guard let number = value.number, number > 0 else {
                    throw ServiceError.invalid(field: "training.learning_rate", message: "expected a positive number, found \(value.brief)")
                }
                training.learningRate = Float(number)
            }
            if let value = fields["loss"] {
                training.loss = try string(value, "training.loss")
                do { _ = try Loss(kerasName: training.loss) } catch {
                    throw ServiceError.invalid(field: "training.loss", message: "\(error)")
                }
            }
            if let value = fields["metrics"] {
                guard let list = value.array, list.allSatisfy({ $0.string != nil }) else {
                    throw ServiceError.invalid(field: "training.metrics", message: "expected a list of names such as [\"accuracy\"]")
                }
                training.metrics = list.compactMap(\.string)
                for name in training.metrics where name != "loss" {
                    do { _ = try Metric(kerasName: name) } catch {
                        throw ServiceError.invalid(field: "training.metrics", message: "\(error)")
                    }
                }
            }
            if let value = fields["validation_split"] {
                guard let number = value.number, (0..<1).contains(number) else {
                    throw ServiceError.invalid(field: "training.validation_split", message: "expected a number in [0, 1), found \(value.brief)")
                }
                training.validationSplit = number
            }
        }
        var testDataset: String?
        if let value = object["test_dataset"], !value.isNull { testDataset = try string(value, "test_dataset") }
        return JobRequest(dataset: dataset, target: target, model: model, rescale: rescale, training: training,
                          testDataset: testDataset, registerAs: registerAs)
    }

    static func requiredString(_ object: [String: JSONValue], _ field: String) throws -> String {
        guard let value = object[field] else { throw ServiceError.invalid(field: field, message: "required") }
        return try string(value, field)
    }

    static func string(_ value: JSONValue, _ field: String) throws -> String {
        guard let text = value.string, !text.isEmpty else {
            throw ServiceError.invalid(field: field, message: "expected a non-empty string, found \(value.brief)")
        }
        return text
    }

    static func integer(_ value: JSONValue, _ field: String, in range: ClosedRange<Int>) throws -> Int {
        guard let number = value.int, range.contains(number) else {
            throw ServiceError.invalid(field: field, message: "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(value.brief)")
        }
        return number
    }
}

/// Names of models and deployments: they appear in URLs.
public enum ResourceName {
    public static func validate(_ name: String, field: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
        guard !name.isEmpty, name.count <= 128, allowed, name.unicodeScalars.allSatisfy(\.isASCII) else {
            throw ServiceError.invalid(field: field, message: "'\(name)' is not a valid name: use 1–128 letters, digits, '-', '_' or '.'")
        }
    }
}
