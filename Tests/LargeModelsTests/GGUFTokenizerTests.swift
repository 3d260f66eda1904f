import Foundation
import ModelFormats
import Testing
@testable import LargeModels

/// SmolLM2's byte-level BPE, loaded from its GGUF file as LlamaModel loads it,
/// against token ids produced by llama.cpp itself (llama-cpp-python, vocab_only,
/// add_bos=False, special=False; bench/golden/make_tokenizer_fixtures.py --llama-cpp).
@Suite struct GGUFTokenizerTests {
    struct Fixture: Decodable { let tool: String; let strings: [String]; let ids: [[Int]] }

    @Test func fiftyStringsMatchLlamaCpp() throws {
        let file = try GGUFFile(path: TestAssets.require(TestAssets.smolLM2))
        let tokenizer = try LlamaModel.loadTokenizer(file)
        let fixture = try JSONDecoder().decode(Fixture.self, from: TestAssets.fixture("bpe_smollm2_llamacpp.json"))
        #expect(fixture.strings.count == 50 && fixture.ids.count == 50)
        var mismatches: [String] = []
        for (text, ids) in zip(fixture.strings, fixture.ids) {
            let got = tokenizer.encode(text, parseSpecial: false)
            if got != ids { mismatches.append(text.debugDescription) }
            #expect(got == ids, "\(text.debugDescription) (\(fixture.tool))")
            #expect(tokenizer.decode(got) == text)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of 50 strings differ from llama.cpp")
    }
}
