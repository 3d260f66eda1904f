import Foundation
import NeuralNet
import Tensor

/// Triton-style dynamic batching across concurrent callers: requests queue
/// up; each replica thread takes the oldest, adds whatever else is queued
/// up to `maxBatchSize` rows, runs one forward pass, and hands each caller
/// back its own rows. Replicas are separate model copies, one thread each,
/// and each runs its forward passes serially on that thread (the kernels'
/// thread pool stays free of them): scale a deployment with replicas.
///
/// A replica holds a batch open (up to `maxQueueDelay`) only for requests
/// known to be on their way: the server announces a request (`announce`)
/// before it reads and decodes the body, and the batch waits for those
/// announced ones. A lone caller never waits for company that is not
/// coming (so one request at a time costs no delay), while under load the
/// requests being decoded join the batch the replica is about to run.
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
    fileprivate let condition = NSCondition()
    private var queue: [Request] = []
    private var stopped = false
    /// Announced requests not yet queued (nor withdrawn).
    fileprivate var arriving = 0
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

    func announce() -> BatchArrival {
        let arrival = BatchArrival(batcher: self)
        condition.withLock { arriving += 1 }
        return arrival
    }

    /// Outputs (rows × outputSize) for `rows` samples of `values`.
    func predict(_ values: [Float], rows: Int, arrival: BatchArrival? = nil) async throws -> [Float] {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if let arrival, arrival.pending, arrival.batcher === self {
                arrival.pending = false
                arriving -= 1
            }
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
        // Replicas are the parallelism: each runs its forward passes on its own thread.
        Parallel.runSerially(onCurrentThread: true)
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
                } else if maxQueueDelay == 0 || arriving == 0 || !condition.wait(until: deadline) {
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

/// A request on its way to a batcher (`LoadedModel.announce`): queued by
/// `predict(…, arrival:)` or given up with `withdraw`; either ends it, and
/// later calls do nothing.
public final class BatchArrival: @unchecked Sendable {
    fileprivate weak var batcher: DynamicBatcher?
    /// Guarded by the batcher's condition.
    fileprivate var pending = true

    fileprivate init(batcher: DynamicBatcher) { self.batcher = batcher }

    /// The request will not be queued (bad input, an error).
    public func withdraw() {
        guard let batcher else { return }
        batcher.condition.withLock {
            guard pending else { return }
            pending = false
            batcher.arriving -= 1
            batcher.condition.broadcast()
        }
    }
}
