import Foundation
import CKernels
import Testing
@testable import LargeModels

/// all-MiniLM-L6-v2 embeddings against sentence-transformers (bench/golden/make_embedding_fixtures.py).
let minimumEmbeddingCosine: Float = 0.999

@Suite(.serialized)
struct BertModelTests {
    struct Case: Decodable { let text: String; let ids: [Int]; let vector: [Float] }
    struct Fixture: Decodable { let cases: [Case] }

    @Test(arguments: BertModel.Precision.allCases)
    func embeddingsMatchSentenceTransformers(precision: BertModel.Precision) async throws {
        let model = try BertModel(directory: TestAssets.require(TestAssets.miniLM), precision: precision)
        #expect(model.precision == precision || (precision == .bfloat16 && model.precision == .float32 && ork_has_native_bf16() == 0))
        let fixture = try JSONDecoder().decode(Fixture.self, from: TestAssets.fixture("minilm_embeddings.json"))
        #expect(fixture.cases.count == 30)
        for c in fixture.cases { #expect(model.tokenize(c.text) == c.ids, "WordPiece ids of '\(c.text)'") }
        // One batch of all 30 (packed), and one at a time, through the service.
        let service = EmbeddingService(model: model)
        defer { service.shutdown() }
        let batched = try await service.embed(fixture.cases.map(\.text))
        for (c, v) in zip(fixture.cases, batched) {
            let cosine = zip(c.vector, v).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            #expect(cosine >= minimumEmbeddingCosine, "'\(c.text)': cosine \(cosine)")
            #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        }
        // Alone or in a batch, a sentence gets the same vector: rows never mix, whatever the split.
        let single = try await service.embed([fixture.cases[3].text])
        #expect(single[0] == batched[3])
        // Batches larger than one forward pass (BertModel.tokensPerPass) run in several passes.
        let many = Array(repeating: fixture.cases[27].text, count: BertModel.tokensPerPass / fixture.cases[27].ids.count + 3)
        let vectors = model.embed(many)
        #expect(vectors.count == many.count && vectors.allSatisfy { $0 == vectors[0] })
        #expect(zip(vectors[0], batched[27]).reduce(Float(0)) { $0 + $1.0 * $1.1 } > 0.99999)
    }

    @Test func badModelFolderIsRefused() throws {
        #expect(throws: (any Error).self) { try BertModel(directory: "/nonexistent/model") }
    }
}
