// SavedModel: model.json + weights.safetensors round trips bit for bit,
// refuses weights that do not fit the architecture, and replaces directories
// atomically without ever clobbering something that is not a model.

import Foundation
import Testing
@testable import NeuralNet
import Tensor

private func smallModel(seed: UInt64 = 3, hiddenUnits: Int = 3, hiddenBias: Bool = true,
                        extraLayer: Bool = false) throws -> Sequential {
    var layers: [Layer] = [Dense(units: hiddenUnits, activation: .relu, useBias: hiddenBias),
                           BatchNormalization(), Dense(units: 2, activation: .softmax)]
    if extraLayer { layers.append(Dense(units: 2)) }
    return try Sequential(inputShape: [4], layers: layers, seed: seed)
}

private func save(_ model: Sequential, to directory: URL, history: [EpochRecord] = []) throws {
    let preprocessing = SavedModel.Preprocessing(rescale: 0.5, target: "y", featureCount: 4)
    try SavedModel(model: model, training: ["loss": "sparse_categorical_crossentropy", "epochs": 3],
                   preprocessing: preprocessing, history: history).save(to: directory)
}

private let probe = randomTensor([5, 4], -2, 2, seed: 9, requiresGrad: false)

/// The file and detail of the weightsMismatch `body` throws.
private func weightsMismatch(_ body: () throws -> Void) -> (file: String, detail: String)? {
    do { try body() } catch NeuralNetError.weightsMismatch(let file, let detail) { return (file, detail) } catch {
        Issue.record("expected weightsMismatch, got \(error)")
    }
    return nil
}

@Suite("SavedModel")
struct SavedModelTests {
    @Test func roundTripGivesBitIdenticalPredictions() throws {
        let scratch = TemporaryDirectory()
        let model = try smallModel()
        // Non-default batch-norm statistics, so that they must be saved too.
        _ = model.call(probe, training: true)
        let history = [EpochRecord(epoch: 1, seconds: 0.5, logs: ["loss": 0.75, "accuracy": 0.5])]
        try save(model, to: scratch.path("model"), history: history)
        #expect(scratch.contents == ["model"])
        let loaded = try SavedModel.load(from: scratch.path("model"))
        #expect(loaded.model.predict(probe).values == model.predict(probe).values)
        #expect(loaded.model.namedWeights.map(\.name) == model.namedWeights.map(\.name))
        #expect(loaded.model.kerasJSON == model.kerasJSON)
        #expect(loaded.preprocessing == SavedModel.Preprocessing(rescale: 0.5, target: "y", featureCount: 4))
        #expect(loaded.training["epochs"] == 3)
        #expect(loaded.history == history)
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path("model").path).sorted()
        #expect(files == ["model.json", "weights.safetensors"])
    }

    @Test func missingTensor() throws {
        let scratch = TemporaryDirectory()
        try save(try smallModel(hiddenBias: false), to: scratch.path("other"))
        let file = scratch.path("other/weights.safetensors")
        let mismatch = weightsMismatch { try SavedModel.loadWeights(into: try smallModel(), from: file) }
        #expect(mismatch?.file == file.path)
        #expect(mismatch?.detail.contains("'dense/bias' is missing") == true, "\(mismatch?.detail ?? "")")
    }

    @Test func extraTensor() throws {
        let scratch = TemporaryDirectory()
        try save(try smallModel(extraLayer: true), to: scratch.path("other"))
        let file = scratch.path("other/weights.safetensors")
        let mismatch = weightsMismatch { try SavedModel.loadWeights(into: try smallModel(), from: file) }
        #expect(mismatch?.file == file.path)
        #expect(mismatch?.detail.contains("'dense_2/kernel' belongs to no layer") == true, "\(mismatch?.detail ?? "")")
    }

    @Test func wrongShape() throws {
        let scratch = TemporaryDirectory()
        try save(try smallModel(hiddenUnits: 5), to: scratch.path("other"))
        // Swap the weights into a directory whose model.json says 3 units.
        try save(try smallModel(), to: scratch.path("model"))
        let weights = scratch.path("model/weights.safetensors")
        try FileManager.default.removeItem(at: weights)
        try FileManager.default.copyItem(at: scratch.path("other/weights.safetensors"), to: weights)
        let mismatch = weightsMismatch { _ = try SavedModel.load(from: scratch.path("model")) }
        #expect(mismatch?.file == weights.path)
        #expect(mismatch?.detail.contains("'dense/kernel' has shape [4, 5]") == true, "\(mismatch?.detail ?? "")")
        #expect(mismatch?.detail.contains("[4, 3]") == true)
        let description = NeuralNetError.weightsMismatch(file: weights.path, detail: mismatch?.detail ?? "").description
        #expect(description.hasPrefix(weights.path))
    }

    @Test func notASafetensorsFile() throws {
        let scratch = TemporaryDirectory()
        let file = scratch.write("weights.safetensors", "not safetensors")
        let mismatch = weightsMismatch { try SavedModel.loadWeights(into: try smallModel(), from: URL(fileURLWithPath: file)) }
        #expect(mismatch?.file == file)
    }

    @Test func loadingADirectoryWithoutAModelSaysSo() {
        let scratch = TemporaryDirectory()
        let message = errorDescription { _ = try SavedModel.load(from: scratch.url) }
        #expect(message?.contains("no model.json") == true)
    }

    @Test func savingOverAModelReplacesIt() throws {
        let scratch = TemporaryDirectory()
        let first = try smallModel(seed: 1), second = try smallModel(seed: 2)
        try save(first, to: scratch.path("model"))
        try save(second, to: scratch.path("model"))
        let loaded = try SavedModel.load(from: scratch.path("model"))
        #expect(loaded.model.predict(probe).values == second.predict(probe).values)
        #expect(loaded.model.predict(probe).values != first.predict(probe).values)
        // No staging or old copies left beside it.
        #expect(scratch.contents == ["model"])
    }

    @Test func savingIntoAnEmptyDirectoryWorks() throws {
        let scratch = TemporaryDirectory()
        try FileManager.default.createDirectory(at: scratch.path("model"), withIntermediateDirectories: false)
        try save(try smallModel(), to: scratch.path("model"))
        #expect(FileManager.default.fileExists(atPath: scratch.path("model/model.json").path))
        #expect(scratch.contents == ["model"])
    }

    @Test func savingIntoAnotherNonEmptyDirectoryIsRefused() throws {
        let scratch = TemporaryDirectory()
        try FileManager.default.createDirectory(at: scratch.path("documents"), withIntermediateDirectories: false)
        scratch.write("documents/notes.txt", "keep me")
        let message = errorDescription { try save(try smallModel(), to: scratch.path("documents")) }
        #expect(message?.contains("not an Orchard model directory") == true, "\(message ?? "no error")")
        #expect(message?.contains(scratch.path("documents").path) == true)
        // Untouched, and the failed save left no temporary directory behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("documents").path) == ["notes.txt"])
        #expect(try String(contentsOf: scratch.path("documents/notes.txt"), encoding: .utf8) == "keep me")
        #expect(scratch.contents == ["documents"])
    }
}
