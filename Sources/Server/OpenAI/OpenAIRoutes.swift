import Foundation
import Hummingbird
import LargeModels
import Platform

/// OpenAI's API over the pretrained models a tenant may use:
/// `GET /v1/models`, `GET /v1/models/{id}`, `POST /v1/chat/completions`,
/// `POST /v1/completions`, `POST /v1/embeddings`. Errors take OpenAI's shape
/// (`OpenAIErrorMiddleware`).
enum OpenAIRoutes {
    static func register(_ router: Router<OrchardRequestContext>, platform: OrchardPlatform) {
        let pretrained = platform.pretrained
        router.get("/v1/models") { _, context in
            let models = pretrained.visible(to: try context.caller())
            return JSONResponse.make(["object": "list", "data": .array(models.map(\.openAIModel))])
        }
        // Shared with TF Serving's model status (same path): a pretrained
        // model the caller may use answers as an OpenAI model, else a
        // deployment of that name answers with its TF Serving status.
        router.get("/v1/models/{name}") { _, context in
            let name = try context.parameter("name")
            let principal = try context.caller()
            if let entry = try? pretrained.model(name, for: principal) { return JSONResponse.make(entry.openAIModel) }
            do {
                return try await TFServingRoutes.status(platform: platform, name: name, version: nil, by: principal)
            } catch ServiceError.notFound(kind: "deployment", _) {
                throw OpenAIError.modelNotFound(name)
            }
        }
        router.post("/v1/chat/completions") { request, context in
            var request = request
            let fields = try OpenAIFields(try await request.decodeJSON(context: context))
            let options = try CompletionOptions(fields, maxTokensFields: ["max_completion_tokens", "max_tokens"])
            let messages = try ChatMessages.parse(fields)
            let model = try pretrained.languageModel(options.model, for: try context.caller())
            let events = try model.generate(prompt: model.prompt(messages: messages), parameters: options.parameters, name: options.model)
            return try await CompletionResponder(format: .chat, model: options.model)
                .respond(events, options: options, connection: context.connection)
        }
        router.post("/v1/completions") { request, context in
            var request = request
            let fields = try OpenAIFields(try await request.decodeJSON(context: context))
            let options = try CompletionOptions(fields, maxTokensFields: ["max_tokens"])
            try fields.unsupported("echo", unless: { $0.bool == false }, "the prompt is not repeated in the answer")
            try fields.unsupported("suffix", unless: { $0.string?.isEmpty == true }, "insertion is not supported")
            try fields.unsupported("best_of", unless: { $0.int == 1 }, "one candidate per request")
            let model = try pretrained.languageModel(options.model, for: try context.caller())
            let prompt = try CompletionPrompt.tokens(fields, model: model)
            let events = try model.generate(prompt: prompt, parameters: options.parameters, name: options.model)
            return try await CompletionResponder(format: .text, model: options.model)
                .respond(events, options: options, connection: context.connection)
        }
        router.post("/v1/embeddings") { request, context in
            var request = request
            let fields = try OpenAIFields(try await request.decodeJSON(context: context))
            return try await EmbeddingsRoute.respond(fields, pretrained: pretrained, principal: try context.caller())
        }
    }
}

/// The `prompt` of /v1/completions: one string (or a list holding one), or token ids.
enum CompletionPrompt {
    static func tokens(_ fields: OpenAIFields, model: LoadedLanguageModel) throws -> [Int] {
        guard let value = fields["prompt"] else { throw OpenAIError.invalid("'prompt' is required", param: "prompt") }
        var item = value
        if let list = value.array, list.count == 1, list[0].string != nil || list[0].array != nil { item = list[0] }
        let tokens: [Int]
        if let text = item.string {
            tokens = model.prompt(text: text)
        } else if let list = item.array, !list.isEmpty, list.allSatisfy({ $0.int != nil }) {
            let vocabulary = model.model.hyperparameters.vocabularySize
            tokens = list.compactMap(\.int)
            if let bad = tokens.first(where: { !(0..<vocabulary).contains($0) }) {
                throw OpenAIError.invalid("token id \(bad) is outside the vocabulary (0..<\(vocabulary))", param: "prompt")
            }
        } else {
            throw OpenAIError.invalid("'prompt' must be a string or a list of token ids (one prompt per request), found \(value.brief)",
                                      param: "prompt")
        }
        guard !tokens.isEmpty else { throw OpenAIError.invalid("'prompt' is empty", param: "prompt") }
        return tokens
    }
}

extension PretrainedModels.Entry {
    /// OpenAI's model object.
    var openAIModel: JSON {
        ["id": .string(registration.name), "object": "model", "created": .number(Double(Int(registration.createdAt.timeIntervalSince1970))),
         "owned_by": "orchard"]
    }
}
