import Tensor
import Testing
@testable import LargeModels

struct ChatTemplateTests {
    @Test func recognisesCommonTemplates() throws {
        #expect(try ChatTemplate(ggufTemplate: "{% for m in messages %}<|im_start|>{{m.role}}\n{{m.content}}<|im_end|>\n{% endfor %}").kind == .chatML)
        #expect(try ChatTemplate(ggufTemplate: "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>' }}").kind == .llama3)
        #expect(try ChatTemplate(ggufTemplate: "{{ bos_token }}{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}").kind == .mistral)
        #expect(throws: LargeModelError.self) { try ChatTemplate(ggufTemplate: "{{ '<start_of_turn>' + role }}") }
    }

    @Test func rendersLlama3AndMistral() {
        let messages = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")]
        #expect(ChatTemplate(kind: .llama3).render(messages) ==
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(ChatTemplate(kind: .mistral).render(messages) == "<s>[INST] Be brief.\n\nHi [/INST]")
    }
}

struct SamplerTests {
    @Test func greedyPicksTheArgmaxAndSeedsRepeat() {
        let logits: [Float] = [0.1, 2.0, 1.9, -1, 0.5]
        logits.withUnsafeBufferPointer { l in
            var greedy = Sampler(.greedy)
            #expect(greedy.sample(l, history: []) == 1)
            var penalized = SamplingParameters.greedy
            penalized.repetitionPenalty = 1.5
            var s = Sampler(penalized)
            #expect(s.sample(l, history: [1]) == 2)
            var p = SamplingParameters()
            p.seed = 42
            p.temperature = 1
            var a = Sampler(p), b = Sampler(p)
            let drawsA = (0..<20).map { _ in a.sample(l, history: []) }
            let drawsB = (0..<20).map { _ in b.sample(l, history: []) }
            #expect(drawsA == drawsB)
            p.topK = 1
            var k1 = Sampler(p)
            #expect((0..<10).allSatisfy { _ in k1.sample(l, history: []) == 1 })
        }
    }

    @Test func topKSelectsTheLargestLogitsWithTiesToLowerIds() {
        var rng = RandomGenerator(seed: 3)
        // Few distinct values: many ties.
        let logits = (0..<5000).map { _ in Float(rng.next() % 37) / 4 }
        let sorted = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        logits.withUnsafeBufferPointer { l in
            for k in [1, 2, 40, 999] {
                #expect(Set(Sampler.topK(l, k)) == Set(sorted.prefix(k)), "k = \(k)")
            }
        }
    }
}
