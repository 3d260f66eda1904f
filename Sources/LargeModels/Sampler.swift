// Picks the next token from logits as llama.cpp's default sampler chain does:
// repetition / frequency / presence penalties over the last `penaltyLastN`
// tokens → top-k → top-p → min-p → temperature → draw (seeded). Temperature
// ≤ 0 is greedy (argmax, lowest id on ties).

import CKernels
import Foundation
import Tensor

public struct SamplingParameters: Sendable, Equatable, Codable {
    public var temperature: Float = 0.8
    public var topK: Int = 40
    public var topP: Float = 0.95
    public var minP: Float = 0.05
    public var repetitionPenalty: Float = 1.0
    public var frequencyPenalty: Float = 0
    public var presencePenalty: Float = 0
    public var penaltyLastN: Int = 64
    public var seed: UInt64?
    public var maxTokens: Int = 256
    public var stop: [String] = []
    /// Keep going past end-of-generation tokens (benchmarks; llama.cpp's `ignore_eos`).
    public var ignoreEndOfGeneration = false

    public init() {}

    public static var greedy: SamplingParameters {
        var p = SamplingParameters()
        p.temperature = 0
        return p
    }
}

public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: RandomGenerator

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = RandomGenerator(seed: parameters.seed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// The next token given `logits` and the tokens so far (prompt and generated, for penalties).
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, history: [Int]) -> Int {
        let p = parameters
        if p.repetitionPenalty != 1 || p.frequencyPenalty != 0 || p.presencePenalty != 0 {
            // Penalties change a few logits: work on a copy.
            var work = Array(logits)
            var counts: [Int: Int] = [:]
            for t in history.suffix(max(0, p.penaltyLastN)) { counts[t, default: 0] += 1 }
            for (token, count) in counts where token >= 0 && token < work.count {
                var l = work[token]
                l = l <= 0 ? l * p.repetitionPenalty : l / p.repetitionPenalty
                l -= Float(count) * p.frequencyPenalty + p.presencePenalty
                work[token] = l
            }
            return work.withUnsafeBufferPointer { pick($0) }
        }
        return pick(logits)
    }

    private mutating func pick(_ logits: UnsafeBufferPointer<Float>) -> Int {
        let p = parameters
        if p.temperature <= 0 {
            // Greedy: the argmax, lowest id on ties.
            return ork_argmax_f32(logits.baseAddress!, logits.count)
        }

        // Candidates by logit, highest first (lower id first on ties): the top k
        // through a size-k heap, or all of them when top-k is off.
        var candidates = p.topK > 0 && p.topK < logits.count ? Self.topK(logits, p.topK) : Array(logits.indices)
        candidates.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        // Softmax at temperature 1 for top-p / min-p, as llama.cpp.
        var probabilities = softmax(candidates.map { logits[$0] }, temperature: 1)
        if p.topP < 1 {
            var cumulative: Float = 0
            var keep = candidates.count
            for (i, q) in probabilities.enumerated() {
                cumulative += q
                if cumulative >= p.topP { keep = i + 1; break }
            }
            candidates.removeSubrange(keep...)
            probabilities.removeSubrange(keep...)
        }
        if p.minP > 0, let top = probabilities.first {
            let keep = max(1, probabilities.firstIndex { $0 < p.minP * top } ?? probabilities.count)
            candidates.removeSubrange(keep...)
        }
        probabilities = softmax(candidates.map { logits[$0] }, temperature: p.temperature)
        let u = Float(Double(rng.next() >> 11) * 0x1p-53)
        var cumulative: Float = 0
        for (i, q) in probabilities.enumerated() {
            cumulative += q
            if u < cumulative { return candidates[i] }
        }
        return candidates[candidates.count - 1]
    }

    /// Indices of the k largest logits (ties to the lower id), unordered: a min-heap
    /// of the best k seen, so each other logit costs one comparison.
    static func topK(_ logits: UnsafeBufferPointer<Float>, _ k: Int) -> [Int] {
        // "a ranks below b": smaller logit, or equal logit and higher id.
        @inline(__always) func below(_ a: Int, _ b: Int) -> Bool {
            logits[a] < logits[b] || (logits[a] == logits[b] && a > b)
        }
        var heap = Array(0..<k)
        func siftDown(_ start: Int) {
            var i = start
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < k && below(heap[l], heap[m]) { m = l }
                if r < k && below(heap[r], heap[m]) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(i) }
        for i in k..<logits.count where below(heap[0], i) {
            heap[0] = i
            siftDown(0)
        }
        return heap
    }

    private func softmax(_ logits: [Float], temperature: Float) -> [Float] {
        guard let maximum = logits.first else { return [] }
        let e = logits.map { expf(($0 - maximum) / temperature) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}
