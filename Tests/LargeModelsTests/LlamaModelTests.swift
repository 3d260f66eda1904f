import CKernels
import Foundation
import Testing
@testable import LargeModels

/// Greedy decoding of SmolLM2-135M-Instruct Q4_1 against llama.cpp (llama-cpp-python,
/// bench/golden/make_llm_fixtures.py): chat-templated prompts must tokenize identically.
/// With the vector kernels Orchard computes every step in llama.cpp's arithmetic (same
/// activation quantization, integer dot products, float summation orders, vector e^x,
/// F16 KV cache and probabilities; CKernels qmatmul.c, attention.c, decoder_ops.c), so
/// every continuation must match token for token and the chosen tokens' logits must
/// agree to `maxLogitDifference` (they are bit-identical on the machine that made the
/// fixture; the bound leaves room for another libm's cosf/sinf/expf). The scalar reference kernels sum in other orders: there
/// a continuation may leave llama.cpp's only at a near-tie — a step where llama.cpp's own
/// best two logits are closer than `nearTieLogitGap` — and at least
/// `minimumFullMatchesScalar` prompts (the minimum) must match in full.
let maxLogitDifference: Float = 1e-4
let nearTieLogitGap: Float = 0.5
let minimumFullMatchesScalar = 5

@Suite(.serialized)
struct LlamaModelTests {
    struct Case: Decodable {
        let message: String
        let prompt_text: String
        let prompt_tokens: [Int]
        let greedy_tokens: [Int]
        let top2_gaps: [Float]
        let chosen_logits: [Float]
    }
    struct Fixture: Decodable { let steps: Int; let cases: [Case] }

    static let model: Result<LlamaModel, Error> = Result { try LlamaModel(path: TestAssets.require(TestAssets.smolLM2)) }

    @Test func hyperparametersComeFromTheFile() throws {
        let model = try Self.model.get()
        let h = model.hyperparameters
        #expect(h.dim == 576 && h.layerCount == 30 && h.headCount == 9 && h.kvHeadCount == 3 && h.hiddenDim == 1536)
        #expect(h.ropeFreqBase == 100_000 && h.vocabularySize == 49152)
        #expect(model.chatTemplate.kind == .chatML)
        #expect(model.chatTemplate.defaultSystemMessage == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        #expect(!model.addsBOS)
        // The file mixes types: Q8_0 embedding (tied output head), Q4_1 projections, F32 norms.
        let types = Dictionary(grouping: model.file.tensors, by: { $0.type.description }).mapValues(\.count)
        #expect(types == ["Q8_0": 1, "Q4_1": 210, "F32": 61])
    }

    @Test func greedyDecodingMatchesLlamaCpp() throws {
        let model = try Self.model.get()
        let fixture = try JSONDecoder().decode(Fixture.self, from: TestAssets.fixture("llm_greedy.json"))
        #expect(fixture.cases.count >= 5)
        let exactArithmetic = ork_active_isa() != ORK_ISA_SCALAR
        var fullMatches = 0
        let generator = TextGenerator(model: model, contextLength: 512)
        for c in fixture.cases {
            let text = model.chatTemplate.render([ChatMessage(role: "user", content: c.message)])
            #expect(text == c.prompt_text)
            let prompt = model.encodePrompt(text)
            #expect(prompt == c.prompt_tokens, "prompt tokens of '\(c.message)'")
            var parameters = SamplingParameters.greedy
            parameters.maxTokens = fixture.steps
            // The logit of each step's greedy choice (the argmax; lowest id on ties, as the sampler).
            var chosenLogits: [Float] = []
            generator.onLogits = { logits in chosenLogits.append(logits.max()!) }
            let (tokens, _) = try generator.generate(prompt: prompt, parameters: parameters)
            var n = 0
            while n < min(tokens.count, c.greedy_tokens.count), tokens[n] == c.greedy_tokens[n] { n += 1 }
            if n == c.greedy_tokens.count && tokens.count == n {
                fullMatches += 1
            } else {
                #expect(!exactArithmetic, "'\(c.message)': diverges at token \(n) of \(c.greedy_tokens.count)")
                #expect(n < c.top2_gaps.count && c.top2_gaps[n] < nearTieLogitGap,
                        "'\(c.message)': diverges at token \(n) where llama.cpp's top-2 gap is \(n < c.top2_gaps.count ? c.top2_gaps[n] : -1)")
            }
            if exactArithmetic {
                for (step, expected) in c.chosen_logits.enumerated().prefix(n) {
                    #expect(abs(chosenLogits[step] - expected) <= maxLogitDifference,
                            "'\(c.message)' step \(step): logit \(chosenLogits[step]), llama.cpp \(expected)")
                }
            }
        }
        generator.onLogits = nil
        #expect(fullMatches >= (exactArithmetic ? fixture.cases.count : minimumFullMatchesScalar),
                "\(fullMatches) of \(fixture.cases.count) prompts match in full")
    }

    /// With llama.cpp's sums a stream is bit-identical to its lone decoding (TextGenerator);
    /// with block sums (the scheduler's default) it may leave it only at a near-tie of the
    /// lone decoding's logits.
    @Test(arguments: [QuantizedSums.llamaCpp, .blockSums])
    func schedulerStreamsMatchSingleSequenceDecoding(sums: QuantizedSums) async throws {
        let model = try Self.model.get()
        let messages = ["What is 12 times 7?", "List three fruits that are red.", "Write a haiku about autumn leaves."]
        var parameters = SamplingParameters.greedy
        parameters.maxTokens = 24
        let generator = TextGenerator(model: model, contextLength: 512)
        var gaps: [[Float]] = []  // per message and step: the lone decoding's top-2 logit gap
        let expected = try messages.map { m in
            var stepGaps: [Float] = []
            generator.onLogits = { logits in
                var best = -Float.infinity, second = -Float.infinity
                for v in logits {
                    if v > best { second = best; best = v } else if v > second { second = v }
                }
                stepGaps.append(best - second)
            }
            let tokens = try generator.generate(prompt: model.encodePrompt(model.chatTemplate.render([.init(role: "user", content: m)])),
                                                parameters: parameters).tokens
            gaps.append(stepGaps)
            return tokens
        }
        generator.onLogits = nil
        // Two slots for three requests: the third waits for a freed slot.
        let scheduler = GenerationScheduler(model: model, slots: 2, contextLength: 512, decodingSums: sums)
        defer { scheduler.shutdown() }
        let results = try await withThrowingTaskGroup(of: (Int, [Int], String, FinishReason?).self) { group in
            for (i, m) in messages.enumerated() {
                group.addTask {
                    var tokens: [Int] = []
                    var text = ""
                    var finish: FinishReason?
                    for try await event in scheduler.chat([.init(role: "user", content: m)], parameters: parameters) {
                        switch event {
                        case .delta(let t, let ids): text += t; tokens += ids
                        case .finished(let reason, let usage):
                            finish = reason
                            #expect(usage.completionTokens == tokens.count)
                        }
                    }
                    return (i, tokens, text, finish)
                }
            }
            var out: [(Int, [Int], String, FinishReason?)] = []
            for try await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }
        }
        for (i, tokens, text, finish) in results {
            var n = 0
            while n < min(tokens.count, expected[i].count), tokens[n] == expected[i][n] { n += 1 }
            if sums == .llamaCpp || n == expected[i].count {
                #expect(tokens == expected[i], "stream \(i) with \(sums)")
            } else {
                #expect(gaps[i][n] < nearTieLogitGap, "stream \(i) leaves its lone decoding at token \(n), top-2 gap \(gaps[i][n])")
            }
            #expect(text == model.tokenizer.decode(tokens, skipSpecial: true))
            #expect(finish == (tokens.count == 24 ? .length : .stop))
        }
    }

    @Test func stopStringsEndGeneration() throws {
        let model = try Self.model.get()
        var parameters = SamplingParameters.greedy
        parameters.stop = [" is"]
        var text = ""
        let generator = TextGenerator(model: model, contextLength: 256)
        let (_, finish) = try generator.generate(
            prompt: model.encodePrompt(model.chatTemplate.render([.init(role: "user", content: "What is 12 times 7?")])),
            parameters: parameters) { text += $0 }
        #expect(finish == .stop)
        #expect(text == "12 times 7")
    }
}
