import ArgumentParser
import Foundation
import LargeModels

/// Sentence embeddings from a local sentence-transformers model folder.
struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Embed texts with a sentence-transformers model folder (safetensors + tokenizer.json).")

    @Option(help: "Model folder (config.json, model.safetensors, tokenizer.json, modules.json).") var model: String
    @Flag(help: "Print one JSON object {\"embeddings\": [[…]], \"dimension\": n}.") var json = false
    @Argument(help: "Texts to embed.") var texts: [String]

    func run() async throws {
        let service = EmbeddingService(model: try BertModel(directory: model))
        defer { service.shutdown() }
        let vectors = try await service.embed(texts)
        if json {
            let object: [String: Any] = ["dimension": service.dimension, "embeddings": vectors.map { $0.map(Double.init) }]
            print(String(data: try JSONSerialization.data(withJSONObject: object), encoding: .utf8)!)
        } else {
            for (text, v) in zip(texts, vectors) {
                print(text)
                print(v.map { String(format: "%.6f", $0) }.joined(separator: " "))
            }
        }
    }
}
