import ArgumentParser
import Foundation
import NeuralNet
import Platform
import Tensor

struct BenchInference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-inference",
        abstract: "Measure in-process inference: single-sample latency and batched throughput.")

    @Argument(help: "Saved-model directory.") var directory: String
    @Option(help: "CSV of inputs.") var data: String
    @Option(help: "Single-sample calls to time.") var calls = 2000
    @Option(name: .customLong("batch-size")) var batchSize = 256
    @Flag var json = false

    func run() throws {
        let runner = try ModelRunner(directory: URL(fileURLWithPath: directory))
        let inputs = try runner.samples(csvPath: data, requireTarget: false).inputs
        let model = runner.model
        // Single sample: the median of `calls` forward passes on one row.
        var latencies: [Double] = []
        for call in 0..<(calls + 100) {
            let sample = inputs.gatherRows([call % inputs.shape[0]])
            let start = DispatchTime.now().uptimeNanoseconds
            _ = model.predict(sample, batchSize: 1)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if call >= 100 { latencies.append(elapsed) }  // the first calls warm caches
        }
        latencies.sort()
        let median = latencies[latencies.count / 2]
        let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        // Batched: the whole set in batches.
        _ = model.predict(inputs.gatherRows(Array(0..<min(batchSize, inputs.shape[0]))[...]), batchSize: batchSize)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = model.predict(inputs, batchSize: batchSize)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let throughput = Double(inputs.shape[0]) / seconds
        if json {
            printJSONLine(["single_ms": .number(median), "single_p99_ms": .number(p99),
                           "predict_samples_per_s": .number(throughput), "batch_size": .number(Double(batchSize))])
        } else {
            print(String(format: "single sample: median %.4f ms, p99 %.4f ms; batched (%d): %.0f samples/s",
                         median, p99, batchSize, throughput))
        }
    }
}
