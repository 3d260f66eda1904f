import DataPrep
import Foundation
import ModelFormats

/// A fitted estimator in Orchard's saved-model directory, the classical
/// counterpart of NeuralNet's SavedModel:
///
///     DIR/model.json           {"format": "orchard.saved_model", "format_version": 1,
///                               "estimator": {"name", "task", "params", "classes", "numeric_classes",
///                                             "state", "feature_names", "feature_importances"},
///                               "preprocessing": <TabularRecipe>, "training": {...},
///                               "metrics": {...}, "train_metrics": {...}}
///     DIR/weights.safetensors  the learned arrays. safetensors is written in F32, so
///                              each Float64 array `a` (n values) is stored as `a`, its
///                              Float32 rounding (readable by any tool), plus
///                              `a.residual` (n, 2): two more F32 terms per value with
///                              a = a + r0 + r1 exactly (tree thresholds need every bit).
///
/// The "estimator" section (instead of a Keras "model") is how one loader tells
/// the two kinds apart. Saving stages a sibling directory and renames it into
/// place, so DIR holds the old model or the new one, never half of one.
public struct SavedEstimator {
    public static let format = "orchard.saved_model"
    public static let formatVersion = 1

    public var name: String
    public var task: EstimatorTask
    public var parameters: [String: ParameterValue]
    /// Class labels in index order (classifiers); numeric when the target column was.
    public var classes: [String]
    public var numericClasses: Bool
    public var recipe: TabularRecipe
    public var state: EstimatorState
    public var featureImportances: [Double]?
    public var training: [String: ParameterValue]
    public var metrics: [String: Double]
    public var trainMetrics: [String: Double]

    struct Document: Codable {
        struct Section: Codable {
            var name: String
            var task: EstimatorTask
            var params: [String: ParameterValue]
            var classes: [String]?
            var numericClasses: Bool?
            var state: [String: ParameterValue]
            var featureNames: [String]
            var featureImportances: [Double]?
            var arrays: [String]

            enum CodingKeys: String, CodingKey {
                case name, task, params, classes, state, arrays
                case numericClasses = "numeric_classes", featureNames = "feature_names"
                case featureImportances = "feature_importances"
            }
        }

        var format: String
        var formatVersion: Int
        var estimator: Section
        var preprocessing: TabularRecipe
        var training: [String: ParameterValue]?
        var metrics: [String: Double]?
        var trainMetrics: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case format, estimator, preprocessing, training, metrics
            case formatVersion = "format_version", trainMetrics = "train_metrics"
        }
    }

    /// Whether `directory` holds a classical estimator (model.json with an "estimator" section).
    public static func isEstimatorDirectory(_ directory: URL) -> Bool {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent("model.json").path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["estimator"] != nil
    }

    public func save(to directory: URL) throws {
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            var tensors: [(name: String, shape: [Int], values: [Float])] = []
            for name in state.arrays.keys.sorted() {
                let array = state.arrays[name]!
                // v = hi + mid + lo exactly: each difference is exact in Double, and
                // three 24-bit significands cover Double's 53 bits.
                let high = array.values.map { Float($0) }
                var residual = [Float](repeating: 0, count: 2 * array.values.count)
                for (i, value) in array.values.enumerated() {
                    let rest = value - Double(high[i])
                    residual[2 * i] = Float(rest)
                    residual[2 * i + 1] = Float(rest - Double(residual[2 * i]))
                }
                tensors.append((name, array.shape, high))
                tensors.append((name + ".residual", [array.values.count, 2], residual))
            }
            try SafetensorsWriter.write(tensors: tensors, metadata: ["producer": "orchard", "estimator": name],
                                        to: staging.appendingPathComponent("weights.safetensors"))
            let document = Document(
                format: Self.format, formatVersion: Self.formatVersion,
                estimator: .init(name: name, task: task, params: parameters, classes: task == .classification ? classes : nil,
                                 numericClasses: task == .classification ? numericClasses : nil, state: state.scalars,
                                 featureNames: recipe.outputNames, featureImportances: featureImportances,
                                 arrays: state.arrays.keys.sorted()),
                preprocessing: recipe, training: training, metrics: metrics, trainMetrics: trainMetrics)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let jsonURL = staging.appendingPathComponent("model.json")
            try encoder.encode(document).write(to: jsonURL)
            let handle = try FileHandle(forUpdating: jsonURL)
            try handle.synchronize()
            try handle.close()
            try Self.replace(directory, with: staging)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }

    static func replace(_ directory: URL, with staging: URL) throws {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: directory.path) else {
            try fileManager.moveItem(at: staging, to: directory)
            return
        }
        let isModel = fileManager.fileExists(atPath: directory.appendingPathComponent("model.json").path)
        let isEmpty = (try? fileManager.contentsOfDirectory(atPath: directory.path))?.isEmpty ?? false
        guard isModel || isEmpty else {
            throw ClassicMLError.invalidModel("\(directory.path) exists and is not an Orchard model directory; refusing to replace it")
        }
        let old = directory.deletingLastPathComponent()
            .appendingPathComponent(".\(directory.lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fileManager.moveItem(at: directory, to: old)
        try fileManager.moveItem(at: staging, to: directory)
        try? fileManager.removeItem(at: old)
    }

    public static func load(from directory: URL) throws -> SavedEstimator {
        let jsonURL = directory.appendingPathComponent("model.json")
        guard let data = FileManager.default.contents(atPath: jsonURL.path) else {
            throw ClassicMLError.invalidModel("\(directory.path): no model.json (not an Orchard model directory)")
        }
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw ClassicMLError.invalidModel("\(jsonURL.path): not an Orchard estimator document (\(error))")
        }
        guard document.format == format else {
            throw ClassicMLError.invalidModel("\(jsonURL.path): format '\(document.format)', expected '\(format)'")
        }
        guard document.formatVersion <= formatVersion else {
            throw ClassicMLError.invalidModel("\(jsonURL.path): format_version \(document.formatVersion) is newer than this Orchard")
        }
        let weightsPath = directory.appendingPathComponent("weights.safetensors").path
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: weightsPath) } catch {
            throw ClassicMLError.invalidModel("\(weightsPath): \(error)")
        }
        var state = EstimatorState()
        state.scalars = document.estimator.state
        for name in document.estimator.arrays {
            do {
                let info = try file.info(name)
                let high = try file.floats(name)
                let low = file.tensorNames.contains(name + ".residual") ? try file.floats(name + ".residual") : []
                guard low.isEmpty || low.count == 2 * high.count else {
                    throw ClassicMLError.invalidModel("'\(name).residual' has \(low.count) values, expected \(2 * high.count)")
                }
                let values = high.indices.map { i in
                    low.isEmpty ? Double(high[i]) : Double(high[i]) + (Double(low[2 * i]) + Double(low[2 * i + 1]))
                }
                state.arrays[name] = (info.shape, values)
            } catch {
                throw ClassicMLError.invalidModel("\(weightsPath): array '\(name)': \(error)")
            }
        }
        return SavedEstimator(
            name: document.estimator.name, task: document.estimator.task, parameters: document.estimator.params,
            classes: document.estimator.classes ?? [], numericClasses: document.estimator.numericClasses ?? false,
            recipe: document.preprocessing, state: state, featureImportances: document.estimator.featureImportances,
            training: document.training ?? [:], metrics: document.metrics ?? [:], trainMetrics: document.trainMetrics ?? [:])
    }

    /// The estimator rebuilt from its parameters and learned state.
    public func makeEstimator() throws -> any Estimator {
        let estimator = try EstimatorRegistry.make(name, parameters: parameters).estimator
        try estimator.importState(state)
        return estimator
    }
}
