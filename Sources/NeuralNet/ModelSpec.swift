import Foundation

/// Turns a model description into layers: a Keras `model.to_json()` of a
/// Sequential model (Keras 3 or tf.keras 2), or Orchard's own spec
/// `{"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": 32, …}, …]}`.
public struct ModelSpec {
    public var name: String
    public var inputShape: [Int]
    public var layers: [(className: String, config: [String: JSONValue])]

    public init(json data: Data, source: String = "model") throws {
        let document: JSONValue
        do { document = try JSONValue.parse(data) } catch {
            throw NeuralNetError.invalidModel("\(source): not valid JSON (\(error))")
        }
        try self.init(document: document, source: source)
    }

    public init(document: JSONValue, source: String = "model") throws {
        guard let root = document.object else { throw NeuralNetError.invalidModel("\(source): expected a JSON object") }
        if let className = root["class_name"]?.string {
            guard className == "Sequential" else {
                throw NeuralNetError.invalidModel("\(source): model class '\(className)' is not supported; "
                                                  + "Orchard imports Sequential models")
            }
            try self.init(keras: root, source: source)
        } else if root["layers"] != nil {
            try self.init(orchard: root, source: source)
        } else {
            throw NeuralNetError.invalidModel("\(source): neither a Keras model (class_name) nor an Orchard spec (layers)")
        }
    }

    init(keras root: [String: JSONValue], source: String) throws {
        guard let config = root["config"]?.object, let entries = config["layers"]?.array else {
            throw NeuralNetError.invalidModel("\(source): Sequential config has no 'layers' list")
        }
        name = config["name"]?.string ?? "sequential"
        layers = try entries.enumerated().map { index, entry in
            guard let className = entry["class_name"]?.string, let layerConfig = entry["config"]?.object else {
                throw NeuralNetError.invalidModel("\(source): layer \(index) has no class_name/config")
            }
            return (className, layerConfig)
        }
        // The input shape: an InputLayer's batch_shape (Keras 3), the first
        // layer's batch_input_shape (tf.keras 2), or the model's build shape.
        let candidates: [JSONValue?] = [
            layers.first?.config["batch_shape"], layers.first?.config["batch_input_shape"],
            config["build_input_shape"], root["build_config"]?["input_shape"],
        ]
        guard let shape = candidates.lazy.compactMap({ $0.flatMap(ModelSpec.batchShape) }).first else {
            throw NeuralNetError.invalidModel("\(source): the model declares no input shape "
                                              + "(add an InputLayer or batch_input_shape)")
        }
        inputShape = shape
    }

    init(orchard root: [String: JSONValue], source: String) throws {
        guard let entries = root["layers"]?.array else { throw NeuralNetError.invalidModel("\(source): 'layers' must be a list") }
        name = root["name"]?.string ?? "sequential"
        layers = try entries.enumerated().map { index, entry in
            guard var config = entry.object, let type = config.removeValue(forKey: "type")?.string else {
                throw NeuralNetError.invalidModel("\(source): layer \(index) needs a \"type\" such as \"Dense\"")
            }
            return (type, config)
        }
        guard let shape = root["input_shape"]?.array?.compactMap(\.int), !shape.isEmpty,
              shape.count == root["input_shape"]?.array?.count else {
            throw NeuralNetError.invalidModel("\(source): 'input_shape' must be a list of positive integers, e.g. [28, 28, 1]")
        }
        inputShape = shape
    }

    /// [null, 28, 28, 1] → [28, 28, 1]
    static func batchShape(_ value: JSONValue) -> [Int]? {
        guard let list = value.array, list.count >= 2 else { return nil }
        let dimensions = list.dropFirst().compactMap(\.int)
        return dimensions.count == list.count - 1 ? dimensions : nil
    }

    /// Builds the model with fresh weights from `seed`.
    public func build(seed: UInt64) throws -> Sequential {
        let built = try layers.map { try LayerRegistry.layer(className: $0.className, config: $0.config) }
        return try Sequential(inputShape: inputShape, layers: built, seed: seed, name: name)
    }
}

extension Sequential {
    /// The model as Keras 3's `to_json()` writes it (loadable by Keras'
    /// `model_from_json` and by `ModelSpec`).
    public var kerasJSON: JSONValue {
        let entries: [JSONValue] = layers.map { layer in
            ["module": "keras.layers", "class_name": .string(layer.className),
             "config": .object(layer.config), "registered_name": nil]
        }
        return ["module": "keras", "class_name": "Sequential", "registered_name": nil,
                "config": ["name": .string(name), "trainable": true, "layers": .array(entries),
                           "build_input_shape": .batchShape(inputShape)],
                "build_config": ["input_shape": .batchShape(inputShape)]]
    }
}
