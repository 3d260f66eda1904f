import Foundation
import Testing
@testable import TextKit

/// Fixtures written by bench/golden/make_tokenizer_fixtures.py (Hugging Face `tokenizers`).
enum Fixture {
    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    struct Golden: Decodable {
        let strings: [String]
        let ids: [[Int]]
        let tokens: [[String]]?
    }

    static func golden(_ name: String) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: data(name))
    }

    struct Vocab: Decodable {
        let pre: String
        let bos: Int
        let eos: Int
        let tokens: [String]
        let merges: [String]
        let token_type: [Int32]
    }

    /// SmolLM2's tokenizer built from its GGUF metadata (loaded once).
    static let smollm2: BPETokenizer = {
        let v = try! JSONDecoder().decode(Vocab.self, from: data("smollm2_vocab"))
        return try! BPETokenizer(tokens: v.tokens, merges: v.merges, tokenTypes: v.token_type,
                                 bos: v.bos, eos: v.eos, preTokenizer: PreTokenizer(ggufName: v.pre))
    }()

    static let minilm: WordPieceTokenizer = try! WordPieceTokenizer(tokenizerJSON: data("minilm_tokenizer"))
}

@Suite struct BPETests {
    @Test func smollm2MatchesReference() throws {
        let tok = Fixture.smollm2
        let g = try Fixture.golden("bpe_smollm2")
        #expect(g.strings.count >= 50)
        #expect(tok.vocabularySize == 49152)
        #expect(tok.bosID == 1 && tok.eosID == 2)
        for (s, ids) in zip(g.strings, g.ids) {
            let got = tok.encode(s)
            #expect(got == ids, "\(s.debugDescription)")
        }
    }

    @Test func smollm2MatchesReferenceOnRandomStrings() throws {
        let tok = Fixture.smollm2
        let g = try Fixture.golden("bpe_smollm2_fuzz")
        var mismatches = 0
        for (s, ids) in zip(g.strings, g.ids) {
            let got = tok.encode(s)
            if got != ids { mismatches += 1 }
            #expect(got == ids, "\(s.debugDescription)")
            #expect(tok.decode(got) == s)
        }
        #expect(mismatches == 0)
    }

    @Test func smollm2RoundTrips() throws {
        let tok = Fixture.smollm2
        for s in try Fixture.golden("bpe_smollm2").strings {
            #expect(tok.decode(tok.encode(s)) == s, "\(s.debugDescription)")
            #expect(tok.decode(tok.encode(s, parseSpecial: false)) == s, "\(s.debugDescription)")
        }
    }

    @Test func specialTokens() {
        let tok = Fixture.smollm2
        let ids = tok.encode("<|im_start|>user\nhi<|im_end|>")
        #expect(ids.first == 1 && ids.last == 2)
        let plain = tok.encode("<|im_start|>", parseSpecial: false)
        #expect(!plain.contains(1) && plain.count > 1)
        #expect(tok.decode(ids, skipSpecial: true) == "user\nhi")
        #expect(tok.isSpecial(0) && !tok.isSpecial(100))
        #expect(tok.id(forToken: "Ġthe") != nil)
        #expect(tok.decodeBytes(tok.id(forToken: "Ġ")!) == [0x20])
    }

    @Test func longPiecesUseHeapMergeWithSameResult() {
        let tok = Fixture.smollm2
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aeiounrstlhdcmpbgy")
        for len in [49, 60, 200, 1000] {
            for _ in 0..<5 {
                let word = String((0..<len).map { _ in alphabet.randomElement(using: &rng)! })
                let ids = tok.encode(word)
                #expect(tok.decode(ids) == word)
                let bytes = Array(word.utf8).map { tok.id(forToken: ByteLevel.encode([$0]))!.int32 }
                var viaHeap = bytes
                tok.mergeWithHeap(&viaHeap)
                #expect(viaHeap.map(Int.init) == ids)
                #expect(tok.mergeByRescan(bytes) == viaHeap)
            }
        }
        // A 200 000-letter word finishes quickly (no quadratic blow-up).
        let huge = String(repeating: "abcdefghij", count: 20_000)
        let start = Date()
        #expect(tok.decode(tok.encode(huge)) == huge)
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func digitsAreSplitOneByOne() {
        let tok = Fixture.smollm2
        let ids = tok.encode("1234567")
        #expect(ids.count == 7)
        #expect(tok.decode(ids) == "1234567")
    }

    @Test func streamingDecoderMatchesDecode() throws {
        let tok = Fixture.smollm2
        var sawHeldBack = false
        for s in try Fixture.golden("bpe_smollm2").strings {
            let ids = tok.encode(s)
            var dec = StreamingDecoder(tok)
            var text = ""
            for id in ids {
                let piece = dec.push(id)
                if dec.pendingByteCount > 0 { sawHeldBack = true }
                // Every emitted chunk is complete UTF-8: no replacement characters appear.
                #expect(!piece.unicodeScalars.contains("\u{FFFD}") || s.unicodeScalars.contains("\u{FFFD}"))
                text += piece
            }
            text += dec.finish()
            #expect(text == s, "\(s.debugDescription)")
        }
        #expect(sawHeldBack, "some emoji should span several tokens")
    }

    @Test func streamingEmojiSplitAcrossTokens() {
        let tok = Fixture.smollm2
        let s = "🤖🎉"
        let ids = tok.encode(s)
        #expect(ids.count > 2)
        var dec = StreamingDecoder(tok)
        var chunks: [String] = []
        for id in ids { chunks.append(dec.push(id)) }
        #expect(dec.finish() == "")
        #expect(chunks.joined() == s)
        #expect(chunks.filter { !$0.isEmpty }.allSatisfy { $0 == "🤖" || $0 == "🎉" })
        var bad = StreamingDecoder(bytes: { _ in [0xF0, 0x9F] })
        #expect(bad.push(0) == "")
        #expect(bad.finish() == "\u{FFFD}")
    }

    @Test func tokenizerJSONLoaderMatchesReference() throws {
        let tok = try BPETokenizer(tokenizerJSON: Fixture.data("bpe_tiny_tokenizer"))
        let g = try Fixture.golden("bpe_tiny")
        for (s, ids) in zip(g.strings, g.ids) {
            #expect(tok.encode(s) == ids, "\(s.debugDescription)")
            #expect(tok.decode(tok.encode(s)) == s)
        }
    }

    @Test func tokenizerJSONWithDigitsPreTokenizer() throws {
        // The SmolLM2 vocabulary written as a Hugging Face tokenizer.json (legacy "a b" merges).
        let v = try JSONDecoder().decode(Fixture.Vocab.self, from: Fixture.data("smollm2_vocab"))
        var vocab: [String: Int] = [:]
        for (i, t) in v.tokens.enumerated() where v.token_type[i] == 1 { vocab[t] = i }
        let added = v.tokens.indices.filter { v.token_type[$0] == 3 }.map {
            ["id": $0, "content": v.tokens[$0], "special": true] as [String: Any]
        }
        let json: [String: Any] = [
            "added_tokens": added, "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Digits", "individual_digits": true],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]]],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "vocab": vocab, "merges": v.merges],
        ]
        let tok = try BPETokenizer(tokenizerJSON: JSONSerialization.data(withJSONObject: json), bos: 1, eos: 2)
        #expect(tok.preTokenizer == .digitsThenGPT2)
        let g = try Fixture.golden("bpe_smollm2")
        for (s, ids) in zip(g.strings, g.ids) { #expect(tok.encode(s) == ids, "\(s.debugDescription)") }
    }

    @Test func preTokenizerNames() throws {
        #expect(try PreTokenizer(ggufName: "smollm") == .digitsThenGPT2)
        #expect(try PreTokenizer(ggufName: "gpt-2") == .gpt2)
        #expect(throws: TokenizerError.unsupported(field: "tokenizer.ggml.pre", value: "llama-bpe")) {
            try PreTokenizer(ggufName: "llama-bpe")
        }
    }

    @Test func byteLevelTable() {
        #expect(ByteLevel.encode([0x20, 0x0A, 0x61]) == "ĠĊa")
        #expect(ByteLevel.decode("ĠĊa") == [0x20, 0x0A, 0x61])
        #expect(Set(ByteLevel.byteToScalar).count == 256)
    }
}

@Suite struct WordPieceTests {
    @Test func minilmMatchesReference() throws {
        let tok = Fixture.minilm
        let g = try Fixture.golden("wordpiece_minilm")
        #expect(g.strings.count >= 30)
        for (i, (s, ids)) in zip(g.strings, g.ids).enumerated() {
            #expect(tok.encode(s) == ids, "\(s.debugDescription)")
            if let tokens = g.tokens?[i] { #expect(tok.tokens(for: s) == tokens) }
        }
    }

    /// The 30 sentences of LargeModelsTests' embedding fixture, ids from the `tokenizers` library.
    @Test func minilmMatchesReferenceOnEmbeddingSentences() throws {
        let tok = Fixture.minilm
        let g = try Fixture.golden("minilm_sentences")
        #expect(g.strings.count == 30)
        for (s, ids) in zip(g.strings, g.ids) {
            #expect(tok.encode(s) == ids, "\(s.debugDescription)")
        }
    }

    @Test func minilmMatchesReferenceOnRandomStrings() throws {
        let tok = Fixture.minilm
        let g = try Fixture.golden("wordpiece_minilm_fuzz")
        for (s, ids) in zip(g.strings, g.ids) {
            #expect(tok.encode(s) == ids, "\(s.debugDescription)")
        }
    }

    @Test func specialIDsAndTruncation() {
        let tok = Fixture.minilm
        #expect(tok.clsID == 101 && tok.sepID == 102 && tok.unkID == 100 && tok.padID == 0)
        #expect(tok.encode("") == [101, 102])
        let long = String(repeating: "hello ", count: 1000)
        #expect(tok.encode(long).count == 256)
        #expect(tok.encode(long, maxLength: 16).count == 16)
        #expect(tok.encode(long, maxLength: 16).last == 102)
        #expect(tok.tokens(for: "Unaffable!") == ["[CLS]", "una", "##ffa", "##ble", "!", "[SEP]"])
    }
}

@Suite struct TokenizerErrorTests {
    func json(_ s: String) -> Data { Data(s.utf8) }

    @Test func malformedJSON() {
        #expect(throws: TokenizerError.self) { try BPETokenizer(tokenizerJSON: json("{not json")) }
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSON: json("[1,2]")) }
    }

    @Test func missingFieldsAreNamed() {
        #expect(throws: TokenizerError.missingField("model")) { try BPETokenizer(tokenizerJSON: json("{}")) }
        #expect(throws: TokenizerError.missingField("model.vocab")) {
            try BPETokenizer(tokenizerJSON: json(#"{"model":{"type":"BPE","merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}"#))
        }
        #expect(throws: TokenizerError.missingField("model.merges")) {
            try BPETokenizer(tokenizerJSON: json(#"{"model":{"type":"BPE","vocab":{"a":0}},"pre_tokenizer":{"type":"ByteLevel"}}"#))
        }
        #expect(throws: TokenizerError.missingField("pre_tokenizer")) {
            try BPETokenizer(tokenizerJSON: json(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}"#))
        }
        #expect(throws: TokenizerError.missingField("model.unk_token")) {
            try WordPieceTokenizer(tokenizerJSON: json(#"{"model":{"type":"WordPiece","vocab":{"a":0}}}"#))
        }
        #expect(throws: TokenizerError.missingField("added_tokens[0].content")) {
            try WordPieceTokenizer(tokenizerJSON: json(#"{"added_tokens":[{"id":0}],"model":{"type":"WordPiece","vocab":{"a":0}}}"#))
        }
    }

    @Test func unsupportedModelTypes() {
        #expect(throws: TokenizerError.unsupported(field: "model.type", value: "Unigram")) {
            try BPETokenizer(tokenizerJSON: json(#"{"model":{"type":"Unigram","vocab":[]}}"#))
        }
        #expect(throws: TokenizerError.unsupported(field: "model.type", value: "BPE")) {
            try WordPieceTokenizer(tokenizerJSON: json(#"{"model":{"type":"BPE","vocab":{},"merges":[]}}"#))
        }
        #expect(throws: TokenizerError.unsupported(field: "pre_tokenizer.type", value: "Metaspace")) {
            try BPETokenizer(tokenizerJSON: json(#"{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"Metaspace"}}"#))
        }
        #expect(throws: TokenizerError.unsupported(field: "normalizer", value: "NFC")) {
            try BPETokenizer(tokenizerJSON: json(#"{"normalizer":{"type":"NFC"},"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"pre_tokenizer":{"type":"ByteLevel"}}"#))
        }
    }

    @Test func badMergesAndTypes() {
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: ["a", "b"], merges: ["a c"], tokenTypes: nil, bos: nil, eos: nil, preTokenizer: .gpt2)
        }
        #expect(throws: TokenizerError.self) {
            try BPETokenizer(tokens: ["a", "b"], merges: [], tokenTypes: [1], bos: nil, eos: nil, preTokenizer: .gpt2)
        }
    }
}

extension Int {
    var int32: Int32 { Int32(self) }
}
