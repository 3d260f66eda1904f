import Foundation
import ModelFormats
import Tensor

/// Orchard's saved-model directory:
///
///     DIR/model.json           {"format": "orchard.saved_model", "format_version": 1,
///                               "model": <Keras 3 to_json() of the architecture>,
///                               "training": {optimizer, loss, metrics, epochs, batch_size, seed},
///                               "preprocessing": {"rescale", "target", "feature_count"}, "history": [...]}
///     DIR/weights.safetensors  F32 tensors named "<layer>/<weight>" (e.g. "conv2d/kernel")
///
/// Saving writes a sibling temporary directory and renames it into place, so
/// `DIR` holds either the old model or the new one, never half of one.
public struct SavedModel {
    public static let format = "orchard.saved_model"
    public static let formatVersion = 1

    public let model: Sequential
    /// Everything in model.json besides the architecture.
    public var training: [String: JSONValue]
    public var preprocessing: Preprocessing
    public var history: [EpochRecord]

    /// What a prediction replays on raw input before the forward pass.
    public struct Preprocessing: Equatable, Sendable {
        public var rescale: Float?
        public var target: String?
        public var featureCount: Int

        public init(rescale: Float? = nil, target: String? = nil, featureCount: Int) {
            self.rescale = rescale
            self.target = target
            self.featureCount = featureCount
        }

        var json: JSONValue {
            ["rescale": rescale.map { .number(Double($0)) } ?? nil, "target": target.map { .string($0) } ?? nil,
             "feature_count": .number(Double(featureCount))]
        }

        init(json: JSONValue?) {
            rescale = json?["rescale"]?.number.map { Float($0) }
            target = json?["target"]?.string
            featureCount = json?["feature_count"]?.int ?? 0
        }
    }

    public init(model: Sequential, training: [String: JSONValue], preprocessing: Preprocessing, history: [EpochRecord] = []) {
        self.model = model
        self.training = training
        self.preprocessing = preprocessing
        self.history = history
    }

    public func save(to directory: URL) throws {
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            let tensors = model.namedWeights.map { (name: $0.name, shape: $0.weight.value.shape, values: $0.weight.value.values) }
            try SafetensorsWriter.write(tensors: tensors, metadata: ["format": "pt", "producer": "orchard"],
                                        to: staging.appendingPathComponent("weights.safetensors"))
            let document: JSONValue = [
                "format": .string(SavedModel.format), "format_version": .number(Double(SavedModel.formatVersion)),
                "model": model.kerasJSON, "training": .object(training), "preprocessing": preprocessing.json,
                "history": .array(history.map { record in
                    .object(["epoch": .number(Double(record.epoch)), "seconds": .number(record.seconds)]
                        .merging(record.logs.mapValues { .number($0) }) { first, _ in first })
                }),
            ]
            let jsonURL = staging.appendingPathComponent("model.json")
            try document.serialized(pretty: true).write(to: jsonURL)
            try SavedModel.synchronize(jsonURL)
            try SavedModel.replace(directory, with: staging)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }

    /// Moves `staging` to `directory`, replacing a previous model there.
    static func replace(_ directory: URL, with staging: URL) throws {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: directory.path) {
            let isModel = fileManager.fileExists(atPath: directory.appendingPathComponent("model.json").path)
            let isEmpty = (try? fileManager.contentsOfDirectory(atPath: directory.path))?.isEmpty ?? false
            guard isModel || isEmpty else {
                throw NeuralNetError.invalidData("\(directory.path) exists and is not an Orchard model directory; "
                                                 + "refusing to replace it")
            }
            let old = directory.deletingLastPathComponent()
                .appendingPathComponent(".\(directory.lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try fileManager.moveItem(at: directory, to: old)
            try fileManager.moveItem(at: staging, to: directory)
            try? fileManager.removeItem(at: old)
        } else {
            try fileManager.moveItem(at: staging, to: directory)
        }
    }

    static func synchronize(_ url: URL) throws {
        let handle = try FileHandle(forUpdating: url)
        try handle.synchronize()
        try handle.close()
    }

    /// Loads a saved model; the weights must match the architecture exactly.
    public static func load(from directory: URL) throws -> SavedModel {
        let jsonURL = directory.appendingPathComponent("model.json")
        guard let data = FileManager.default.contents(atPath: jsonURL.path) else {
            throw NeuralNetError.invalidModel("\(directory.path): no model.json (not an Orchard model directory)")
        }
        let document: JSONValue
        do { document = try JSONValue.parse(data) } catch {
            throw NeuralNetError.invalidModel("\(jsonURL.path): not valid JSON")
        }
        guard document["format"]?.string == format, let architecture = document["model"] else {
            throw NeuralNetError.invalidModel("\(jsonURL.path): not an \(format) document")
        }
        if let version = document["format_version"]?.int, version > formatVersion {
            throw NeuralNetError.invalidModel("\(jsonURL.path): format_version \(version) is newer than this Orchard (\(formatVersion))")
        }
        let model = try ModelSpec(document: architecture, source: jsonURL.path).build(seed: 0)
        try loadWeights(into: model, from: directory.appendingPathComponent("weights.safetensors"))
        let history: [EpochRecord] = (document["history"]?.array ?? []).compactMap { entry in
            guard let object = entry.object, let epoch = object["epoch"]?.int else { return nil }
            var logs = object.compactMapValues(\.number)
            logs["epoch"] = nil
            let seconds = logs.removeValue(forKey: "seconds") ?? 0
            return EpochRecord(epoch: epoch, seconds: seconds, logs: logs)
        }
        return SavedModel(model: model, training: document["training"]?.object ?? [:],
                          preprocessing: Preprocessing(json: document["preprocessing"]), history: history)
    }

    /// Copies every weight of `model` from a safetensors file, checking names
    /// and shapes. Tensors under `OptimizerState.prefix` (a training
    /// checkpoint's optimizer state) are skipped when `allowOptimizerState`.
    public static func loadWeights(into model: Sequential, from url: URL, allowOptimizerState: Bool = false) throws {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: url.path) } catch {
            throw NeuralNetError.weightsMismatch(file: url.path, detail: "\(error)")
        }
        let expected = model.namedWeights
        let expectedNames = Set(expected.map(\.name))
        let isOptimizerState = { (name: String) in allowOptimizerState && name.hasPrefix(OptimizerState.prefix) }
        if let extra = file.tensorNames.first(where: { !expectedNames.contains($0) && !isOptimizerState($0) }) {
            throw NeuralNetError.weightsMismatch(file: url.path, detail: "tensor '\(extra)' belongs to no layer of the model")
        }
        for (name, weight) in expected {
            guard file.tensorNames.contains(name) else {
                throw NeuralNetError.weightsMismatch(file: url.path, detail: "tensor '\(name)' is missing")
            }
            let info = try file.info(name)
            guard info.shape == weight.value.shape else {
                throw NeuralNetError.weightsMismatch(file: url.path,
                                                     detail: "tensor '\(name)' has shape \(info.shape), the layer needs \(weight.value.shape)")
            }
            let values = try file.floats(name)
            values.withUnsafeBufferPointer { weight.value.pointer.update(from: $0.baseAddress!, count: values.count) }
        }
    }

    /// The optimizer state stored in a training checkpoint (empty if none).
    public static func optimizerState(from url: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(path: url.path)
        var state: [String: [Float]] = [:]
        for name in file.tensorNames where name.hasPrefix(OptimizerState.prefix) { state[name] = try file.floats(name) }
        return state
    }
}
