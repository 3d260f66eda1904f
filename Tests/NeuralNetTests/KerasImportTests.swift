// Importing models: Keras 3 and tf.keras 2 `to_json()` fixtures, Orchard's
// own spec form, the kerasJSON round trip, and the errors a user gets for
// models Orchard cannot run faithfully (each must name what is at fault).

import Foundation
import Testing
@testable import NeuralNet
import Tensor

private let toJSONFixtures = ["keras3_seed_cnn.json", "tfkeras2_seed_cnn.json",
                              "keras3_all_layers.json", "tfkeras2_all_layers.json"]

private func spec(_ fixture: String) throws -> ModelSpec {
    try ModelSpec(json: Data(contentsOf: fixtureURL(fixture)), source: fixture)
}

/// The architecture as Keras JSON, without the InputLayer's name (Keras 3
/// calls it "input_layer", tf.keras 2 "conv2d_input" or "input_1").
private func architecture(_ model: Sequential) -> JSONValue {
    guard case .object(var root) = model.kerasJSON, case .object(var config)? = root["config"],
          case .array(var layers)? = config["layers"], case .object(var first)? = layers.first,
          case .object(var firstConfig)? = first["config"] else { return model.kerasJSON }
    firstConfig["name"] = nil
    first["config"] = .object(firstConfig)
    layers[0] = .object(first)
    config["layers"] = .array(layers)
    root["config"] = .object(config)
    return .object(root)
}

/// The Keras 3 seed CNN document with one layer's config changed.
private func seedDocument(layer index: Int, className: String? = nil,
                          _ change: (inout [String: JSONValue]) -> Void = { _ in }) throws -> Data {
    guard case .object(var root) = try loadFixture("keras3_seed_cnn.json"), case .object(var config)? = root["config"],
          case .array(var layers)? = config["layers"], case .object(var entry) = layers[index],
          case .object(var layerConfig)? = entry["config"] else { throw NeuralNetError.invalidModel("fixture layout") }
    change(&layerConfig)
    entry["config"] = .object(layerConfig)
    if let className { entry["class_name"] = .string(className) }
    layers[index] = .object(entry)
    config["layers"] = .array(layers)
    root["config"] = .object(config)
    return JSONValue.object(root).serialized()
}

/// The error's description when building the model from `json` throws.
private func importError(_ json: Data) -> String? {
    do {
        _ = try ModelSpec(json: json, source: "model.json").build(seed: 0)
        return nil
    } catch {
        return "\(error)"
    }
}

private func expectImportError(_ json: Data, mentions fragments: [String],
                               sourceLocation: SourceLocation = #_sourceLocation) {
    guard let message = importError(json) else {
        Issue.record("the model imported without an error", sourceLocation: sourceLocation)
        return
    }
    for fragment in fragments {
        #expect(message.contains(fragment), "'\(message)' should mention \(fragment)", sourceLocation: sourceLocation)
    }
}

@Suite("Keras import")
struct KerasImportTests {
    @Test(arguments: toJSONFixtures)
    func fixtureLoadsAndBuilds(_ fixture: String) throws {
        let model = try spec(fixture).build(seed: 1)
        let batch = Tensor.zeros([2] + model.inputShape)
        #expect(model.predict(batch).shape == [2] + model.outputShape)
    }

    @Test(arguments: ["keras3_seed_cnn.json", "tfkeras2_seed_cnn.json"])
    func seedCNNShapesAndParameters(_ fixture: String) throws {
        let model = try spec(fixture).build(seed: 1)
        #expect(model.inputShape == [28, 28, 1])
        #expect(model.outputShape == [10])
        #expect(model.parameterCount == 693_962)  // model.summary() in Keras
        #expect(model.layers.map(\.className) == ["InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"])
        // Each layer's output shape, batch of one.
        var output = Tensor.zeros([1, 28, 28, 1])
        var shapes: [[Int]] = []
        for layer in model.layers.dropFirst() {
            output = layer.call(output, training: false)
            shapes.append(Array(output.shape.dropFirst()))
        }
        #expect(shapes == [[26, 26, 32], [13, 13, 32], [5408], [128], [10]])
        #expect(model.namedWeights.map(\.name)
                == ["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"])
        #expect(model.namedWeights.map(\.weight.value.shape) == [[3, 3, 1, 32], [32], [5408, 128], [128], [128, 10], [10]])
    }

    @Test func allLayersModel() throws {
        let model = try spec("keras3_all_layers.json").build(seed: 1)
        #expect(model.inputShape == [8, 8, 3])
        #expect(model.outputShape == [3])
        #expect(model.layers.map(\.className) == [
            "InputLayer", "Rescaling", "Conv2D", "BatchNormalization", "Activation", "Conv2D", "MaxPooling2D",
            "AveragePooling2D", "Dropout", "Flatten", "Dense", "Reshape", "Flatten", "Dense",
        ])
        // conv 3·3·3·4+4, batch norm 4·4, conv 2·2·4·4+4, dense 16·16+16, dense 16·3+3
        #expect(model.parameterCount == 112 + 16 + 68 + 272 + 51)
        // dense_1 was built with bias_initializer="ones".
        #expect(model.namedWeights.first { $0.name == "dense_1/bias" }?.weight.value.values == [1, 1, 1])
    }

    @Test(arguments: [("keras3_seed_cnn.json", "tfkeras2_seed_cnn.json"),
                      ("keras3_all_layers.json", "tfkeras2_all_layers.json")])
    func keras3AndTFKeras2GiveTheSameArchitecture(keras3: String, tfKeras2: String) throws {
        let modern = try spec(keras3).build(seed: 1), legacy = try spec(tfKeras2).build(seed: 1)
        #expect(architecture(modern) == architecture(legacy))
        // Same architecture and seed: the same weights.
        #expect(modern.namedWeights.map(\.weight.value.values) == legacy.namedWeights.map(\.weight.value.values))
    }

    @Test(arguments: toJSONFixtures)
    func kerasJSONReimportsToTheSameArchitecture(_ fixture: String) throws {
        let model = try spec(fixture).build(seed: 1)
        let json = model.kerasJSON.serialized()
        let reimported = try ModelSpec(json: json, source: "kerasJSON").build(seed: 1)
        #expect(reimported.kerasJSON == model.kerasJSON)
        #expect(reimported.namedWeights.map(\.name) == model.namedWeights.map(\.name))
    }

    @Test func orchardSpecForm() throws {
        let json = Data("""
            {"input_shape": [4], "name": "tiny", "layers": [
              {"type": "Dense", "units": 10, "activation": "relu"},
              {"type": "Dropout", "rate": 0.1},
              {"type": "Dense", "units": 3, "activation": "softmax", "name": "head"}]}
            """.utf8)
        let model = try ModelSpec(json: json, source: "spec.json").build(seed: 0)
        #expect(model.name == "tiny")
        #expect(model.inputShape == [4])
        #expect(model.outputShape == [3])
        #expect(model.layers.map(\.name) == ["input_layer", "dense", "dropout", "head"])
        #expect(model.parameterCount == 4 * 10 + 10 + 10 * 3 + 3)
        // The same model in Keras form.
        let reimported = try ModelSpec(json: model.kerasJSON.serialized(), source: "kerasJSON").build(seed: 0)
        #expect(reimported.kerasJSON == model.kerasJSON)
    }
}

@Suite("Keras import errors")
struct KerasImportErrorTests {
    @Test func unknownLayerClassNamesTheClassAndTheLayer() throws {
        let json = try seedDocument(layer: 4, className: "LSTM") { config in config["name"] = "my_recurrent" }
        expectImportError(json, mentions: ["'LSTM'", "'my_recurrent'", "Dense"])
    }

    @Test func unknownOptionNamesTheLayerAndTheOption() throws {
        let json = try seedDocument(layer: 4) { config in config["kernel_sharpness"] = 2 }
        expectImportError(json, mentions: ["'dense'", "'kernel_sharpness'"])
    }

    @Test(arguments: [
        (1, "kernel_regularizer", JSONValue.object(["class_name": "L2", "config": ["l2": 0.01]]), "L2"),
        (1, "dilation_rate", .array([2, 2]), "[2,2]"),
        (1, "data_format", .string("channels_first"), "channels_first"),
        (4, "dtype", .object(["class_name": "DTypePolicy", "config": ["name": "mixed_float16"]]), "mixed_float16"),
        (4, "dtype", .string("mixed_float16"), "mixed_float16"),
        (4, "activation", .string("swish"), "swish"),
        (2, "padding", .string("causal"), "causal"),
    ] as [(Int, String, JSONValue, String)])
    func unsupportedValuesNameTheOptionAndTheValue(layer: Int, option: String, value: JSONValue, shown: String) throws {
        let json = try seedDocument(layer: layer) { config in config[option] = value }
        expectImportError(json, mentions: ["'\(option)'", shown])
    }

    @Test func missingInputShape() throws {
        let json = Data("""
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "Dense", "config": {"name": "dense", "units": 2}}]}}
            """.utf8)
        expectImportError(json, mentions: ["input shape", "InputLayer"])
        let spec = Data(#"{"layers": [{"type": "Dense", "units": 2}]}"#.utf8)
        expectImportError(spec, mentions: ["'input_shape'"])
    }

    @Test func nonSequentialModel() {
        let json = Data(#"{"class_name": "Functional", "config": {"name": "f", "layers": []}}"#.utf8)
        expectImportError(json, mentions: ["'Functional'", "Sequential"])
    }

    @Test func invalidJSON() {
        expectImportError(Data(#"{"class_name": "Sequential", "config": "#.utf8), mentions: ["model.json", "not valid JSON"])
        expectImportError(Data("[1, 2]".utf8), mentions: ["model.json", "JSON object"])
        expectImportError(Data(#"{"format": 1}"#.utf8), mentions: ["neither a Keras model"])
    }

    @Test func orchardSpecLayerWithoutType() {
        let json = Data(#"{"input_shape": [3], "layers": [{"units": 2}]}"#.utf8)
        expectImportError(json, mentions: ["layer 0", "\"type\""])
    }

    @Test func missingRequiredOption() {
        let json = Data(#"{"input_shape": [3], "layers": [{"type": "Dense", "name": "out"}]}"#.utf8)
        expectImportError(json, mentions: ["'out'", "'units'", "required"])
    }

    @Test func shapeThatALayerCannotTake() {
        let json = Data(#"{"input_shape": [4], "layers": [{"type": "Conv2D", "filters": 2, "kernel_size": 3}]}"#.utf8)
        expectImportError(json, mentions: ["conv2d", "[4]"])
    }
}
