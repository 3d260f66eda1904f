// A short end-to-end training run on a MNIST subset (CSV → TrainingRun →
// saved model → ModelRunner), and the errors TrainingRun gives for bad input.
//
// The MNIST CSVs come from `scripts/fetch-assets mnist` (scripts/test runs it)
// into ${ORCHARD_CACHE:-$HOME/.cache/orchard}/mnist/.

import Foundation
import Testing
import NeuralNet
import Platform
import Tensor

/// The seed CNN (Adam, lr 0.001, batch 32), 2 epochs on the first 2,000
/// training images, scores 0.879–0.899 on the first 1,000 test images over
/// shuffle/initialization seeds 0–5 (0.882 with seed 1, the one used here).
/// The bar sits three points under the worst seed seen; a regression in
/// training (wrong gradients, broken shuffling) lands far below it.
let endToEndAccuracyBar = 0.85

private let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private var mnistDirectory: URL {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["ORCHARD_CACHE"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".cache/orchard")
    return cache.appendingPathComponent("mnist")
}

/// The header and the first `rows` data rows of `source`, written to `destination`.
private func writeHead(of source: URL, rows: Int, to destination: URL) throws {
    let handle = try FileHandle(forReadingFrom: source)
    defer { try? handle.close() }
    var collected = Data()
    var lines = 0
    while lines <= rows, let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        for byte in chunk {
            collected.append(byte)
            if byte == UInt8(ascii: "\n") {
                lines += 1
                if lines > rows { break }
            }
        }
    }
    try collected.write(to: destination)
}

private func settings(epochs: Int = 2) -> TrainingRun.Settings {
    var settings = TrainingRun.Settings()
    settings.epochs = epochs
    settings.batchSize = 32
    settings.seed = 1
    return settings
}

@Suite("End-to-end training")
struct EndToEndTrainingTests {
    @Test func seedCNNOnAMNISTSubset() throws {
        let train = mnistDirectory.appendingPathComponent("mnist_train.csv")
        let test = mnistDirectory.appendingPathComponent("mnist_test.csv")
        guard FileManager.default.fileExists(atPath: train.path), FileManager.default.fileExists(atPath: test.path) else {
            Issue.record("MNIST CSVs not found in \(mnistDirectory.path); run scripts/fetch-assets mnist (scripts/test does) or set ORCHARD_CACHE")
            return
        }
        let scratch = TemporaryDirectory("orchard-e2e")
        let trainSubset = scratch.path("train.csv"), testSubset = scratch.path("test.csv")
        try writeHead(of: train, rows: 2000, to: trainSubset)
        try writeHead(of: test, rows: 1000, to: testSubset)

        // Train 2 epochs and save.
        let modelURL = packageRoot.appendingPathComponent("bench/seed-cnn/seed_cnn.json")
        let run = try TrainingRun(modelJSON: Data(contentsOf: modelURL), modelSource: modelURL.path,
                                  dataPath: trainSubset.path, target: "label", rescale: 1.0 / 255, settings: settings())
        let history = try run.run(output: scratch.path("model"))
        #expect(history.epochs.count == 2)
        let losses = history.epochs.map { $0.logs["loss"]! }
        #expect(losses[1] < losses[0], "losses \(losses)")

        // Reload and evaluate on the test subset.
        let runner = try ModelRunner(directory: scratch.path("model"))
        let result = try runner.evaluate(csvPath: testSubset.path)
        let accuracy = try #require(result["accuracy"])
        #expect(result["samples"] == 1000)
        #expect(accuracy >= endToEndAccuracyBar, "test accuracy \(accuracy), loss \(result["loss"] ?? .nan)")

        // The reloaded model predicts exactly what the trained one does.
        let reloaded = try runner.predict(csvPath: testSubset.path)
        let inputs = try TabularSamples(csvPath: testSubset.path, target: "label", requireTarget: true,
                                        rescale: 1.0 / 255, inputShape: [28, 28, 1]).inputs
        let inMemory = run.model.predict(inputs)
        #expect(reloaded.shape == [1000, 10])
        #expect(reloaded.values == inMemory.values)
    }
}

// MARK: - bad input

/// A 2×2 image model: 4 feature columns plus the target.
private let tinyModel = Data("""
    {"input_shape": [2, 2, 1], "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"}]}
    """.utf8)

private let goodRows = "y,a,b,c,d\n0,1,2,3,4\n1,5,6,7,8\n2,9,10,11,12\n"

@Suite("TrainingRun input errors")
struct TrainingRunErrorTests {
    /// Trains on `csv` with `change` applied to the settings; returns the
    /// error's description, and checks the output directory did not appear.
    private func trainingError(csv: String, target: String = "y", changing change: (inout TrainingRun.Settings) -> Void = { _ in },
                               sourceLocation: SourceLocation = #_sourceLocation) -> (message: String, path: String) {
        let scratch = TemporaryDirectory("orchard-run-errors")
        let path = scratch.write("data.csv", csv)
        var runSettings = settings(epochs: 1)
        change(&runSettings)
        let output = scratch.path("model")
        let message = errorDescription {
            let run = try TrainingRun(modelJSON: tinyModel, modelSource: "tiny.json", dataPath: path, target: target,
                                      rescale: nil, settings: runSettings)
            _ = try run.run(output: output)
        }
        #expect(message != nil, "training succeeded", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: output.path), "the output directory was created",
                sourceLocation: sourceLocation)
        #expect(scratch.contents == ["data.csv"], sourceLocation: sourceLocation)
        return (message ?? "", path)
    }

    @Test func goodInputTrains() throws {
        let scratch = TemporaryDirectory("orchard-run")
        let run = try TrainingRun(modelJSON: tinyModel, modelSource: "tiny.json", dataPath: scratch.write("data.csv", goodRows),
                                  target: "y", rescale: 0.1, settings: settings(epochs: 1))
        _ = try run.run(output: scratch.path("model"))
        #expect(try ModelRunner(directory: scratch.path("model")).saved.preprocessing.featureCount == 4)
    }

    @Test func raggedRow() {
        let (message, path) = trainingError(csv: "y,a,b,c,d\n0,1,2,3,4\n1,5,6,7\n")
        #expect(message.contains(path))
        #expect(message.contains("line 3"), "\(message)")
    }

    @Test func nonNumericCell() {
        let (message, path) = trainingError(csv: "y,a,b,c,d\n0,1,2,3,4\n1,5,six,7,8\n")
        #expect(message.contains(path))
        #expect(message.contains("line 3") && message.contains("'b'") && message.contains("'six'"), "\(message)")
    }

    @Test func nanCell() {
        let (message, path) = trainingError(csv: "y,a,b,c,d\n0,1,2,3,4\n1,5,6,NaN,8\n")
        #expect(message.contains(path))
        #expect(message.contains("line 3") && message.contains("'c'") && message.contains("NaN"), "\(message)")
    }

    @Test func missingTargetColumn() {
        let (message, path) = trainingError(csv: goodRows, target: "label")
        #expect(message.contains(path))
        #expect(message.contains("'label'"), "\(message)")
    }

    @Test func featureCountThatFitsNoInputShape() {
        let (message, path) = trainingError(csv: "y,a,b,c\n0,1,2,3\n")
        #expect(message.contains(path))
        #expect(message.contains("3 feature columns") && message.contains("[2, 2, 1]") && message.contains("4"), "\(message)")
    }

    @Test func unknownOptimizer() {
        let (message, _) = trainingError(csv: goodRows) { $0.optimizer = "adagrad" }
        #expect(message.contains("optimizer") && message.contains("'adagrad'"), "\(message)")
    }

    @Test func unknownLoss() {
        let (message, _) = trainingError(csv: goodRows) { $0.loss = "hinge" }
        #expect(message.contains("loss") && message.contains("'hinge'"), "\(message)")
    }

    @Test func unknownMetric() {
        let (message, _) = trainingError(csv: goodRows) { $0.metrics = ["f1"] }
        #expect(message.contains("metric") && message.contains("'f1'"), "\(message)")
    }

    @Test func labelOutsideTheModelsClasses() {
        let (message, _) = trainingError(csv: "y,a,b,c,d\n0,1,2,3,4\n7,5,6,7,8\n")
        #expect(message.contains("sample 2") && message.contains("7"), "\(message)")
    }
}
