// Sentence embeddings behind an async API: requests from concurrent callers
// are queued and run together (one packed batch per forward pass, up to
// `maxBatchSize` texts) on one dedicated thread, not the Swift concurrency
// pool.

import Foundation

public final class EmbeddingService: @unchecked Sendable {
    public let model: BertModel
    public let maxBatchSize: Int

    private struct Job {
        let sequences: [[Int]]
        let continuation: CheckedContinuation<[[Float]], Error>
    }

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var stopped = false

    public init(model: BertModel, maxBatchSize: Int = 64) {
        self.model = model
        self.maxBatchSize = max(1, maxBatchSize)
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "orchard-embeddings"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { shutdown() }

    public func shutdown() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    public var dimension: Int { model.dimension }

    /// Token counts of the texts as the model sees them (for usage reporting).
    public func tokenCounts(_ texts: [String]) -> [Int] { texts.map { model.tokenize($0).count } }

    /// One vector per text, in order.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try await embed(sequences: texts.map(model.tokenize))
    }

    /// One vector per token sequence ([CLS] … [SEP] each, as `BertModel.tokenize`
    /// or `BertModel.sequence(ids:)` make them), in order.
    public func embed(sequences: [[Int]]) async throws -> [[Float]] {
        guard !sequences.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume(throwing: LargeModelError.cancelled)
                return
            }
            jobs.append(Job(sequences: sequences, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if stopped {
                let pending = jobs
                jobs.removeAll()
                condition.unlock()
                for job in pending { job.continuation.resume(throwing: LargeModelError.cancelled) }
                return
            }
            // Take whole jobs while they fit in one batch (always at least one).
            var taken: [Job] = [jobs.removeFirst()]
            var count = taken[0].sequences.count
            while let next = jobs.first, count + next.sequences.count <= maxBatchSize {
                taken.append(jobs.removeFirst())
                count += next.sequences.count
            }
            condition.unlock()
            let vectors = model.embed(tokenized: taken.flatMap(\.sequences))
            var offset = 0
            for job in taken {
                job.continuation.resume(returning: Array(vectors[offset..<(offset + job.sequences.count)]))
                offset += job.sequences.count
            }
        }
    }
}
