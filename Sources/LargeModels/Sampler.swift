// Picks the next token from logits as llama.cpp's default sampler chain does:
// repetition / frequency / presence penalties over the last `penaltyLastN`
// tokens → top-k → top-p → min-p → temperature → draw (seeded). Temperature
// ≤ 0 is greedy (argmax, lowest id on ties).

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
        var penalized: [Int: Float] = [:]
        if p.repetitionPenalty != 1 || p.frequencyPenalty != 0 || p.presencePenalty != 0 {
            var counts: [Int: Int] = [:]
            for t in history.suffix(max(0, p.penaltyLastN)) { counts[t, default: 0] += 1 }
            for (token, count) in counts where token < logits.count {
                var l = logits[token]
                l = l <= 0 ? l * p.repetitionPenalty : l / p.repetitionPenalty
                l -= Float(count) * p.frequencyPenalty + p.presencePenalty
                penalized[token] = l
            }
        }
        @inline(__always) func logit(_ i: Int) -> Float { penalized[i] ?? logits[i] }

        if p.temperature <= 0 {
            var best = 0
            var bestValue = -Float.infinity
            for i in 0..<logits.count where logit(i) > bestValue {
                best = i
                bestValue = logit(i)
            }
            return best
        }

        // Candidates sorted by logit (top-k first: a partial sort would do; the vocabulary is small).
        var candidates = (0..<logits.count).map { ($0, logit($0)) }
        candidates.sort { $0.1 > $1.1 }
        if p.topK > 0 && p.topK < candidates.count { candidates.removeSubrange(p.topK...) }
        // Softmax at temperature 1 for top-p / min-p, as llama.cpp.
        var probabilities = softmax(candidates.map(\.1), temperature: 1)
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
        probabilities = softmax(candidates.map(\.1), temperature: p.temperature)
        let u = Float(Double(rng.next() >> 11) * 0x1p-53)
        var cumulative: Float = 0
        for (i, q) in probabilities.enumerated() {
            cumulative += q
            if u < cumulative { return candidates[i].0 }
        }
        return candidates[candidates.count - 1].0
    }

    private func softmax(_ logits: [Float], temperature: Float) -> [Float] {
        guard let maximum = logits.first else { return [] }
        let e = logits.map { expf(($0 - maximum) / temperature) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}
