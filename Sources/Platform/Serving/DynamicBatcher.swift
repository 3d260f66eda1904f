import Foundation
import NeuralNet
import Tensor

/// Triton-style dynamic batching across concurrent callers: requests queue
/// up; each replica thread takes the oldest, waits up to `maxQueueDelay`
/// for more until `maxBatchSize` rows, runs one forward pass, and hands each
/// caller back its own rows. Replicas are separate model copies, one thread each.
final class DynamicBatcher: @unchecked Sendable {
    struct Request {
        /// (rows × inputSize) values
        let values: [Float]
        let rows: Int
        let continuation: CheckedContinuation<[Float], Error>
    }

    let inputShape: [Int]
    let outputSize: Int
    let maxBatchSize: Int
    let maxQueueDelay: Double
    private let condition = NSCondition()
    private var queue: [Request] = []
    private var stopped = false
    /// Batches run and the largest seen (for tests and metrics).
    private(set) var batchesRun = 0
    private(set) var largestBatch = 0

    init(replicas: [Sequential], maxBatchSize: Int, maxQueueDelay: Double) {
        inputShape = replicas[0].inputShape
        outputSize = replicas[0].outputShape.reduce(1, *)
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxQueueDelay = max(0, maxQueueDelay)
        for (index, model) in replicas.enumerated() {
            let thread = Thread { [self] in serve(model) }
            thread.name = "orchard-replica-\(index)"
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    var statistics: (batches: Int, largest: Int) { condition.withLock { (batchesRun, largestBatch) } }

    /// Outputs (rows × outputSize) for `rows` samples of `values`.
    func predict(_ values: [Float], rows: Int) async throws -> [Float] {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume(throwing: ServiceError.unavailable("the deployment is shutting down"))
                return
            }
            queue.append(Request(values: values, rows: rows, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    func stop() {
        condition.lock()
        stopped = true
        let pending = queue
        queue = []
        condition.broadcast()
        condition.unlock()
        pending.forEach { $0.continuation.resume(throwing: ServiceError.unavailable("the deployment was removed")) }
    }

    private func serve(_ model: Sequential) {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            var batch = [queue.removeFirst()]
            var rows = batch[0].rows
            let deadline = Date().addingTimeInterval(maxQueueDelay)
            while rows < maxBatchSize {
                if let next = queue.first {
                    guard rows + next.rows <= maxBatchSize else { break }
                    batch.append(queue.removeFirst())
                    rows += next.rows
                } else if maxQueueDelay == 0 || !condition.wait(until: deadline) {
                    break
                }
                if stopped { break }
            }
            batchesRun += 1
            largestBatch = max(largestBatch, rows)
            condition.unlock()
            run(batch, rows: rows, on: model)
        }
    }

    private func run(_ batch: [Request], rows: Int, on model: Sequential) {
        var values: [Float] = []
        values.reserveCapacity(rows * inputShape.reduce(1, *))
        for request in batch { values.append(contentsOf: request.values) }
        let outputs = model.predict(Tensor(shape: [rows] + inputShape, values: values)).values
        var offset = 0
        for request in batch {
            let count = request.rows * outputSize
            request.continuation.resume(returning: Array(outputs[offset..<(offset + count)]))
            offset += count
        }
    }
}
