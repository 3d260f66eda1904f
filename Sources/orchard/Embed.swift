import ArgumentParser
import Foundation
import LargeModels

/// Sentence embeddings from a model served by `orchard serve` (`--server` or
/// ORCHARD_URL, over /v1/embeddings) or a local sentence-transformers folder.
struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed texts: with a served model (--server URL or ORCHARD_URL) or a local sentence-transformers folder.")

    @Option(help: "A model name on the server, or a local folder (config.json, model.safetensors, tokenizer.json, modules.json).")
    var model: String
    @Option(help: "Server URL (default: ORCHARD_URL); without one, --model is a local folder.") var server: String?
    @Option(name: .customLong("api-key"), help: "API key for the server (default: ORCHARD_API_KEY).") var apiKey: String?
    @Flag(help: "Print one JSON object {\"embeddings\": [[…]], \"dimension\": n}.") var json = false
    @Argument(help: "Texts to embed.") var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one text to embed") }
    }

    func run() async throws {
        let vectors: [[Float]]
        var isDirectory: ObjCBool = false
        let local = FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) && isDirectory.boolValue
        if server == nil, local || ProcessInfo.processInfo.environment["ORCHARD_URL"] == nil {
            guard local else {
                throw OpenAIClient.Failure(description: "no folder '\(model)'; to use a served model pass --server URL or set ORCHARD_URL")
            }
            let service = EmbeddingService(model: try BertModel(directory: model))
            defer { service.shutdown() }
            vectors = try await service.embed(texts)
        } else {
            vectors = try await OpenAIClient.resolve(server: server, apiKey: apiKey).embeddings(model: model, texts: texts)
        }
        if json {
            let object: [String: Any] = ["dimension": vectors.first?.count ?? 0, "embeddings": vectors.map { $0.map(Double.init) }]
            print(String(data: try JSONSerialization.data(withJSONObject: object), encoding: .utf8)!)
        } else {
            for (text, v) in zip(texts, vectors) {
                print(text)
                print(v.map { String(format: "%.6f", $0) }.joined(separator: " "))
            }
        }
    }
}
