import Foundation
import Hummingbird
import HummingbirdTesting
import LargeModels
import Platform
import Server
import Testing

/// The OpenAI-compatible routes against SmolLM2 and all-MiniLM, compared
/// with what the local engine (GenerationScheduler, EmbeddingService) gives.
@Suite(.serialized, .enabled(if: PretrainedAssets.available, PretrainedAssets.missing))
struct OpenAIRoutesTests {
    static let messages: [ChatMessage] = [
        ChatMessage(role: "system", content: "You are a concise assistant."),
        ChatMessage(role: "user", content: "Name three fruits and say one thing about each."),
    ]
    static var messagesJSON: JSON { .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }) }

    /// Greedy text of the local scheduler for the test messages.
    static func localChat(maxTokens: Int, stop: [String] = []) async throws -> (text: String, finish: FinishReason?, usage: GenerationUsage?) {
        let scheduler = GenerationScheduler(model: try LlamaModel(path: PretrainedAssets.smolLM2), slots: 1, contextLength: 1024)
        defer { scheduler.shutdown() }
        var parameters = SamplingParameters.greedy
        parameters.maxTokens = maxTokens
        parameters.stop = stop
        return try await LocalEngine.generate(scheduler.chat(messages, parameters: parameters))
    }

    @Test func chatMatchesTheLocalSchedulerPlainAndStreaming() async throws {
        let local = try await Self.localChat(maxTokens: 40)
        #expect(local.finish == .length)
        #expect(!local.text.isEmpty)
        let service = try await TestService.withPretrained()
        try await service.application.test(.router) { client in
            let key = try await service.tenant("chat", client: client)
            let plain = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": Self.messagesJSON, "temperature": 0, "max_tokens": 40,
            ])
            #expect(plain.status == .ok, "\(plain.text)")
            let answer = plain.json
            #expect(answer["object"]?.string == "chat.completion")
            #expect(answer["id"]?.string?.hasPrefix("chatcmpl-") == true)
            #expect(answer["model"]?.string == "smol")
            let choice = try #require(answer["choices"]?.array?.first)
            #expect(choice["message"]?["role"]?.string == "assistant")
            #expect(choice["message"]?["content"]?.string == local.text)
            #expect(choice["finish_reason"]?.string == "length")
            #expect(answer["usage"]?["prompt_tokens"]?.int == local.usage?.promptTokens)
            #expect(answer["usage"]?["completion_tokens"]?.int == 40)
            #expect(answer["usage"]?["total_tokens"]?.int == (local.usage?.promptTokens ?? 0) + 40)

            // max_completion_tokens is read too (and wins over max_tokens).
            let newer = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": Self.messagesJSON, "temperature": 0, "max_tokens": 3, "max_completion_tokens": 40,
            ])
            #expect(newer.json["choices"]?.array?.first?["message"]?["content"]?.string == local.text)

            // Streaming: role first, content deltas, finish_reason, usage chunk, [DONE].
            let streamed = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": Self.messagesJSON, "temperature": 0, "max_tokens": 40, "stream": true,
                "stream_options": ["include_usage": true],
            ])
            #expect(streamed.status == .ok)
            #expect(streamed.headers[.contentType] == "text/event-stream")
            let payloads = eventPayloads(streamed.text)
            #expect(payloads.last == "[DONE]")
            let chunks = payloads.dropLast().map { (try? JSON.parse(Data($0.utf8))) ?? .null }
            #expect(chunks.count >= 4)
            #expect(chunks.allSatisfy { $0["object"]?.string == "chat.completion.chunk" })
            #expect(Set(chunks.compactMap { $0["id"]?.string }).count == 1)
            #expect(chunks.first?["choices"]?.array?.first?["delta"]?["role"]?.string == "assistant")
            let withChoices = chunks.filter { !($0["choices"]?.array?.isEmpty ?? true) }
            let text = withChoices.compactMap { $0["choices"]?.array?.first?["delta"]?["content"]?.string }.joined()
            #expect(text == local.text)
            #expect(withChoices.last?["choices"]?.array?.first?["finish_reason"]?.string == "length")
            #expect(withChoices.dropLast().allSatisfy { $0["choices"]?.array?.first?["finish_reason"] == .null })
            // include_usage: usage null on every chunk with choices, then one chunk with no choices and the usage.
            #expect(withChoices.allSatisfy { $0["usage"] == .null })
            let usage = try #require(chunks.last)
            #expect(usage["choices"]?.array?.isEmpty == true)
            #expect(usage["usage"]?["completion_tokens"]?.int == 40)
            #expect(usage["usage"]?["prompt_tokens"]?.int == local.usage?.promptTokens)

            // Without include_usage there is no usage at all.
            let bare = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": Self.messagesJSON, "temperature": 0, "max_tokens": 5, "stream": true,
            ])
            #expect(!bare.text.contains("\"usage\""))
            #expect(eventPayloads(bare.text).last == "[DONE]")
        }
        await service.stop()
    }

    @Test func stopStringsAndMaxTokens() async throws {
        let local = try await Self.localChat(maxTokens: 40)
        // A stop string taken from the middle of the greedy reply ends it there.
        let characters = Array(local.text)
        let stop = String(characters[(characters.count / 2)..<(characters.count / 2 + 3)])
        let expected = String(local.text[..<local.text.range(of: stop)!.lowerBound])
        let service = try await TestService.withPretrained()
        try await service.application.test(.router) { client in
            let key = try await service.tenant("stops", client: client)
            for stopField: JSON in [.string(stop), [.string(stop), "\u{1}never"]] {
                let answer = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                    "model": "smol", "messages": Self.messagesJSON, "temperature": 0, "max_tokens": 40, "stop": stopField,
                ]).json
                let choice = answer["choices"]?.array?.first
                #expect(choice?["message"]?["content"]?.string == expected)
                #expect(choice?["finish_reason"]?.string == "stop")
            }
            let streamed = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": Self.messagesJSON, "temperature": 0, "max_tokens": 40, "stop": .string(stop), "stream": true,
            ])
            let chunks = eventPayloads(streamed.text).dropLast().map { (try? JSON.parse(Data($0.utf8))) ?? .null }
            #expect(chunks.compactMap { $0["choices"]?.array?.first?["delta"]?["content"]?.string }.joined() == expected)
            #expect(chunks.last?["choices"]?.array?.first?["finish_reason"]?.string == "stop")

            let short = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": Self.messagesJSON, "temperature": 0, "max_tokens": 5,
            ]).json
            #expect(short["choices"]?.array?.first?["finish_reason"]?.string == "length")
            #expect(short["usage"]?["completion_tokens"]?.int == 5)

            // A seeded sample is repeatable.
            let seeded: JSON = ["model": "smol", "messages": Self.messagesJSON, "temperature": 0.9, "top_p": 0.9, "seed": 42,
                                "max_tokens": 12, "presence_penalty": 0.5, "frequency_penalty": 0.5]
            let first = try await client.call(.post, "/v1/chat/completions", key: key, json: seeded).json
            let second = try await client.call(.post, "/v1/chat/completions", key: key, json: seeded).json
            #expect(first["choices"]?.array?.first?["message"] == second["choices"]?.array?.first?["message"])
        }
        await service.stop()
    }

    @Test func textCompletionsMatchTheLocalScheduler() async throws {
        let prompt = "The three primary colours are"
        let scheduler = GenerationScheduler(model: try LlamaModel(path: PretrainedAssets.smolLM2), slots: 1, contextLength: 1024)
        var parameters = SamplingParameters.greedy
        parameters.maxTokens = 16
        let local = try await LocalEngine.generate(scheduler.generate(prompt: prompt, parameters: parameters))
        scheduler.shutdown()
        let service = try await TestService.withPretrained()
        try await service.application.test(.router) { client in
            let key = try await service.tenant("text", client: client)
            let answer = try await client.call(.post, "/v1/completions", key: key, json: [
                "model": "smol", "prompt": .string(prompt), "temperature": 0, "max_tokens": 16,
            ])
            #expect(answer.status == .ok, "\(answer.text)")
            #expect(answer.json["object"]?.string == "text_completion")
            #expect(answer.json["choices"]?.array?.first?["text"]?.string == local.text)
            #expect(answer.json["choices"]?.array?.first?["finish_reason"]?.string == FinishReason.length.rawValue)
            #expect(answer.json["usage"]?["prompt_tokens"]?.int == local.usage?.promptTokens)
            let streamed = try await client.call(.post, "/v1/completions", key: key, json: [
                "model": "smol", "prompt": [.string(prompt)], "temperature": 0, "max_tokens": 16, "stream": true,
            ])
            let payloads = eventPayloads(streamed.text)
            #expect(payloads.last == "[DONE]")
            let chunks = payloads.dropLast().map { (try? JSON.parse(Data($0.utf8))) ?? .null }
            #expect(chunks.compactMap { $0["choices"]?.array?.first?["text"]?.string }.joined() == local.text)
            #expect(chunks.last?["choices"]?.array?.first?["finish_reason"]?.string == "length")
            // Token ids are a prompt too.
            let ids = try LlamaModel(path: PretrainedAssets.smolLM2).encodePrompt(prompt)
            let byIDs = try await client.call(.post, "/v1/completions", key: key, json: [
                "model": "smol", "prompt": .array(ids.map { .number(Double($0)) }), "temperature": 0, "max_tokens": 16,
            ])
            #expect(byIDs.json["choices"]?.array?.first?["text"]?.string == local.text)
        }
        await service.stop()
    }

    @Test func embeddingsFloatAndBase64AreTheLocalVectors() async throws {
        let texts = ["A cat sits on the mat.", "Der Hund schläft.", "机器学习很有趣", ""]
        let local = EmbeddingService(model: try BertModel(directory: PretrainedAssets.miniLM))
        let expected = try await local.embed(texts)
        let tokens = local.tokenCounts(texts).reduce(0, +)
        local.shutdown()
        let service = try await TestService.withPretrained()
        try await service.application.test(.router) { client in
            let key = try await service.tenant("vectors", client: client)
            let floats = try await client.call(.post, "/v1/embeddings", key: key, json: [
                "model": "minilm", "input": .array(texts.map { .string($0) }), "encoding_format": "float",
            ])
            #expect(floats.status == .ok, "\(floats.text)")
            #expect(floats.json["object"]?.string == "list")
            #expect(floats.json["model"]?.string == "minilm")
            #expect(floats.json["usage"]?["prompt_tokens"]?.int == tokens)
            #expect(floats.json["usage"]?["total_tokens"]?.int == tokens)
            let data = try #require(floats.json["data"]?.array)
            #expect(data.map { $0["index"]?.int } == [0, 1, 2, 3])
            #expect(data.allSatisfy { $0["object"]?.string == "embedding" })
            let decoded = data.map { ($0["embedding"]?.array ?? []).compactMap { $0.number.map(Float.init) } }
            #expect(decoded == expected)

            // Default format is float; base64 is little-endian float32; dimensions equal to the model's is accepted.
            let base64 = try await client.call(.post, "/v1/embeddings", key: key, json: [
                "model": "minilm", "input": .array(texts.map { .string($0) }), "encoding_format": "base64", "dimensions": 384,
            ])
            let vectors = (base64.json["data"]?.array ?? []).map { item -> [Float] in
                let bytes = Data(base64Encoded: item["embedding"]?.string ?? "") ?? Data()
                return stride(from: 0, to: bytes.count, by: 4).map { offset in
                    Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                          | UInt32(bytes[offset + 3]) << 24)
                }
            }
            #expect(vectors == expected)
            let single = try await client.call(.post, "/v1/embeddings", key: key, json: ["model": "minilm", "input": .string(texts[0])])
            #expect(single.json["data"]?.array?.first?["embedding"]?.array?.compactMap { $0.number.map(Float.init) } == expected[0])

            // Token ids of the model's vocabulary: with or without [CLS]/[SEP], one list or a list of lists,
            // mixed with strings; each gives the vector of the text they tokenize.
            let model = try BertModel(directory: PretrainedAssets.miniLM)
            let ids = model.tokenize(texts[0]), bare = Array(ids.dropFirst().dropLast())
            let idsJSON: (([Int]) -> JSON) = { .array($0.map { .number(Double($0)) }) }
            let oneList = try await client.call(.post, "/v1/embeddings", key: key, json: ["model": "minilm", "input": idsJSON(bare)])
            #expect(oneList.status == .ok, "\(oneList.text)")
            #expect(oneList.json["data"]?.array?.first?["embedding"]?.array?.compactMap { $0.number.map(Float.init) } == expected[0])
            #expect(oneList.json["usage"]?["prompt_tokens"]?.int == ids.count)
            let mixed = try await client.call(.post, "/v1/embeddings", key: key, json: [
                "model": "minilm", "input": [idsJSON(ids), .string(texts[1]), idsJSON(Array(model.tokenize(texts[2]).dropFirst().dropLast()))],
            ])
            let mixedVectors = (mixed.json["data"]?.array ?? []).map { ($0["embedding"]?.array ?? []).compactMap { $0.number.map(Float.init) } }
            #expect(mixedVectors == Array(expected[0..<3]), "\(mixed.text.prefix(300))")

            for (body, param) in [(["model": "minilm", "input": "x", "dimensions": 128], "dimensions"),
                                  (["model": "minilm", "input": [1, 2, 99_999]], "input"),
                                  (["model": "minilm", "input": [[101, 102], [-1]]], "input"),
                                  (["model": "minilm", "input": [[101], []]], "input"),
                                  (["model": "minilm", "input": [1.5]], "input"),
                                  (["model": "minilm", "input": []], "input"),
                                  (["model": "minilm", "input": "x", "encoding_format": "int8"], "encoding_format"),
                                  (["model": "smol", "input": "x"], "model")] as [(JSON, String)] {
                let refused = try await client.call(.post, "/v1/embeddings", key: key, json: body)
                #expect(refused.status == .badRequest, "\(body.brief)")
                #expect(refused.json["error"]?["param"]?.string == param, "\(refused.text)")
                #expect(refused.json["error"]?["type"]?.string == "invalid_request_error")
            }
        }
        await service.stop()
    }

    @Test func modelsAndTenantVisibility() async throws {
        let service = try await TestService.withPretrained()
        try await service.application.test(.router) { client in
            let alice = try await service.tenantWithID("alice", client: client)
            let bob = try await service.tenantWithID("bob", client: client)
            let admin = TestService.adminKey
            // Only alice may use "private".
            let registered = try await client.call(.post, "/api/v1/pretrained", key: admin, json: [
                "name": "private", "kind": "embeddings", "path": .string(PretrainedAssets.miniLM), "tenants": [.string(alice.id)],
            ])
            #expect(registered.status == .created, "\(registered.text)")
            #expect(registered.json["status"]?.string == "loaded")
            #expect(registered.json["dimension"]?.int == 384)

            let aliceModels = try await client.call(.get, "/v1/models", key: alice.key).json
            #expect(aliceModels["object"]?.string == "list")
            #expect(aliceModels["data"]?.array?.compactMap { $0["id"]?.string } == ["smol", "minilm", "private"])
            let first = try #require(aliceModels["data"]?.array?.first)
            #expect(first["object"]?.string == "model")
            #expect(first["owned_by"]?.string == "orchard")
            #expect((first["created"]?.int ?? 0) > 1_700_000_000)
            #expect(try await client.call(.get, "/v1/models", key: bob.key).json["data"]?.array?.compactMap { $0["id"]?.string }
                    == ["smol", "minilm"])
            #expect(try await client.call(.get, "/v1/models/private", key: alice.key).json["id"]?.string == "private")
            for (method, path, body) in [(HTTPRequest.Method.get, "/v1/models/private", nil),
                                         (.post, "/v1/embeddings", ["model": "private", "input": "hello"] as JSON)] {
                let hidden = try await client.call(method, path, key: bob.key, json: body)
                #expect(hidden.status == .notFound)
                #expect(hidden.json["error"]?["code"]?.string == "model_not_found")
                #expect(hidden.json["error"]?["param"]?.string == "model")
            }
            #expect(try await client.call(.post, "/v1/embeddings", key: alice.key, json: ["model": "private", "input": "hello"]).status == .ok)

            // Administration: admin only, 409 on a taken name, 400 naming the field.
            #expect(try await client.call(.get, "/api/v1/pretrained", key: alice.key).status == .forbidden)
            let list = try await client.call(.get, "/api/v1/pretrained", key: admin).json["pretrained"]?.array ?? []
            #expect(list.compactMap { $0["name"]?.string } == ["smol", "minilm", "private"])
            let smol = try await client.call(.get, "/api/v1/pretrained/smol", key: admin).json
            #expect(smol["source"]?.string == "command_line")
            #expect(smol["parallel"]?.int == 2)
            #expect(smol["context_length"]?.int == 1024)
            #expect(smol["kv_cache_bytes_per_slot"]?.int == 2 * 30 * 1024 * 192 * 2)
            #expect((smol["weight_bytes"]?.int ?? 0) > 50_000_000)
            #expect(try await client.call(.post, "/api/v1/pretrained", key: admin, json: [
                "name": "smol", "kind": "llm", "path": .string(PretrainedAssets.smolLM2),
            ]).status == .conflict)
            for (body, field) in [(["name": "x", "kind": "llm", "path": "/nonexistent.gguf"], "path"),
                                  (["name": "x", "kind": "llm", "path": .string(PretrainedAssets.miniLM)], "path"),
                                  (["name": "x", "kind": "vision", "path": "/a"], "kind"),
                                  (["name": "x y", "kind": "llm", "path": .string(PretrainedAssets.smolLM2)], "name"),
                                  (["name": "x", "kind": "llm", "path": .string(PretrainedAssets.smolLM2), "tenants": ["t_nobody"]], "tenants"),
                                  (["name": "x", "kind": "llm", "path": .string(PretrainedAssets.smolLM2), "parallel": 0], "parallel"),
                                  (["name": "x", "kind": "llm", "path": .string(PretrainedAssets.smolLM2), "colour": 1], "colour")] as [(JSON, String)] {
                let refused = try await client.call(.post, "/api/v1/pretrained", key: admin, json: body)
                #expect(refused.status == .badRequest, "\(body.brief)")
                #expect(refused.json["field"]?.string == field, "\(refused.text)")
            }
            // A second name on the same file shares its weights: one mapping.
            let twin = try await client.call(.post, "/api/v1/pretrained", key: admin, json: [
                "name": "smol-twin", "kind": "llm", "path": .string(PretrainedAssets.smolLM2), "parallel": 1, "context_length": 256,
            ])
            #expect(twin.status == .created, "\(twin.text)")
            let entries = try service.platform.pretrained.list(by: PretrainedAssets.admin)
            let weights = entries.compactMap { entry -> ObjectIdentifier? in
                if case .llm(let model) = entry.runtime { return ObjectIdentifier(model.model) }
                return nil
            }
            #expect(weights.count == 2 && Set(weights).count == 1)

            // Unload: gone for everyone.
            #expect(try await client.call(.delete, "/api/v1/pretrained/private", key: admin).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/pretrained/private", key: admin).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/pretrained/private", key: admin).status == .notFound)
            #expect(try await client.call(.get, "/v1/models/private", key: alice.key).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/pretrained/smol-twin", key: admin).status == .noContent)
        }
        await service.stop()
    }

    @Test func errorsTakeOpenAIShape() async throws {
        let service = try await TestService.withPretrained()
        try await service.application.test(.router) { client in
            let key = try await service.tenant("errors", client: client)
            // No key or a bad key: 401, OpenAI's shape.
            for badKey in [nil, "ork_wrong"] {
                let refused = try await client.call(.post, "/v1/chat/completions", key: badKey, json: ["model": "smol"])
                #expect(refused.status == .unauthorized)
                #expect(refused.json["error"]?["code"]?.string == "invalid_api_key")
                #expect(refused.json["error"]?["message"]?.string?.isEmpty == false)
                #expect(refused.json["error"]?.object?.keys.sorted() == ["code", "message", "param", "type"])
            }
            #expect(try await client.call(.get, "/v1/models").json["error"]?["type"]?.string == "invalid_request_error")
            // The management API keeps its own shape.
            #expect(try await client.call(.get, "/api/v1/datasets").json["error"]?.string != nil)

            let unknown = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "gpt-5", "messages": [["role": "user", "content": "hi"]],
            ])
            #expect(unknown.status == .notFound)
            #expect(unknown.json["error"]?["code"]?.string == "model_not_found")
            #expect(try await client.call(.get, "/v1/models/gpt-5", key: key).json["error"]?["code"]?.string == "model_not_found")

            let user: JSON = ["role": "user", "content": "hi"]
            let cases: [(JSON, String)] = [
                (["model": "smol"], "messages"),
                (["model": "smol", "messages": []], "messages"),
                (["model": "smol", "messages": "hi"], "messages"),
                (["model": "smol", "messages": [["content": "hi"]]], "messages[0].role"),
                (["model": "smol", "messages": [["role": "robot", "content": "hi"]]], "messages[0].role"),
                (["model": "smol", "messages": [["role": "tool", "content": "hi"]]], "messages[0].role"),
                (["model": "smol", "messages": [user, ["role": "user", "content": 3]]], "messages[1].content"),
                (["model": "smol", "messages": [["role": "user", "content": [["type": "image_url", "image_url": "x"]]]]], "messages[0].content[0]"),
                (["messages": [user]], "model"),
                (["model": "smol", "messages": [user], "n": 2], "n"),
                (["model": "smol", "messages": [user], "temperature": 3], "temperature"),
                (["model": "smol", "messages": [user], "top_p": "high"], "top_p"),
                (["model": "smol", "messages": [user], "max_tokens": 0], "max_tokens"),
                (["model": "smol", "messages": [user], "stop": [1]], "stop"),
                (["model": "smol", "messages": [user], "stop": ["a", "b", "c", "d", "e"]], "stop"),
                (["model": "smol", "messages": [user], "stream": "yes"], "stream"),
                (["model": "smol", "messages": [user], "stream_options": ["include_usage": true]], "stream_options"),
                (["model": "smol", "messages": [user], "logprobs": true], "logprobs"),
                (["model": "smol", "messages": [user], "tools": [["type": "function"]]], "tools"),
                (["model": "smol", "messages": [user], "seed": 1.5], "seed"),
                (["model": "minilm", "messages": [user]], "model"),
            ]
            for (body, param) in cases {
                let refused = try await client.call(.post, "/v1/chat/completions", key: key, json: body)
                #expect(refused.status == .badRequest, "\(body.brief)")
                #expect(refused.json["error"]?["param"]?.string == param, "\(body.brief) → \(refused.text)")
                #expect(refused.json["error"]?["type"]?.string == "invalid_request_error")
            }
            // n=1 and content as text parts are fine.
            let parts = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "n": 1, "max_tokens": 2,
                "messages": [["role": "developer", "content": "Be brief."], ["role": "user", "content": [["type": "text", "text": "Hi"]]]],
            ])
            #expect(parts.status == .ok, "\(parts.text)")
            let malformed = try await client.execute(uri: "/v1/chat/completions", method: .post,
                                                     headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                                     body: ByteBuffer(string: "{\"model\": "))
            #expect(malformed.status == .badRequest)
            #expect(malformed.json["error"]?["type"]?.string == "invalid_request_error")
            // A prompt longer than the context: 400 context_length_exceeded, before any stream starts.
            let long = String(repeating: "fruit ", count: 1500)
            let tooLong = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": [["role": "user", "content": .string(long)]], "stream": true,
            ])
            #expect(tooLong.status == .badRequest)
            #expect(tooLong.json["error"]?["code"]?.string == "context_length_exceeded")
            #expect(tooLong.json["error"]?["param"]?.string == "messages")
            let badPrompt = try await client.call(.post, "/v1/completions", key: key, json: ["model": "smol", "prompt": ["a", "b"]])
            #expect(badPrompt.json["error"]?["param"]?.string == "prompt")
        }
        await service.stop()
    }

    /// A non-streaming request whose client goes away stops generating and
    /// frees its slot (a streaming one notices at its next write).
    @Test func clientLeavingAPlainRequestFreesItsSlot() async throws {
        let service = try await TestService.pretrained(parallel: 1, contextLength: 2048)
        try await service.platform.pretrained.loadCommandLine([PretrainedRegistration(name: "smol", kind: .llm, path: PretrainedAssets.smolLM2)])
        let model = try service.platform.pretrained.languageModel("smol", for: PretrainedAssets.admin)
        try await service.application.test(.live) { client in
            let key = try await service.tenant("leaver", client: client)
            let port = try #require(client.port)
            let socket = try RawSocket(port: port)
            // ignore_eos: the answer runs to max_tokens (several seconds here) whatever the model would say.
            let body = #"{"model":"smol","max_tokens":1900,"ignore_eos":true,"messages":[{"role":"user","content":"Count to 1000."}]}"#
            socket.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(key)\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            #expect(try await LimitsTests.eventually { model.scheduler.load.active == 1 }, "the request never started")
            // Still generating a second later…
            try await Task.sleep(nanoseconds: 1_000_000_000)
            #expect(model.scheduler.load.active == 1, "the generation ended on its own; the test proves nothing")
            // …and stopped soon after the client closes its connection.
            socket.shutdownBoth()
            let left = Date()
            #expect(try await LimitsTests.eventually { model.scheduler.load.active == 0 }, "the slot stayed busy after the client left")
            #expect(Date().timeIntervalSince(left) < 2)
            // The freed slot serves the next request.
            let next = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "max_tokens": 4, "messages": [["role": "user", "content": "hi"]],
            ])
            #expect(next.status == .ok, "\(next.text)")
        }
        await service.stop()
    }

    @Test func fullQueueAnswers429() async throws {
        let service = try await TestService.pretrained(parallel: 1, contextLength: 2048, maxWaiting: 1)
        try await service.platform.pretrained.loadCommandLine([PretrainedRegistration(name: "smol", kind: .llm, path: PretrainedAssets.smolLM2)])
        let model = try service.platform.pretrained.languageModel("smol", for: PretrainedAssets.admin)
        // Hold every slot and the whole waiting line with local requests.
        var parameters = SamplingParameters.greedy
        parameters.maxTokens = 100_000
        parameters.ignoreEndOfGeneration = true
        let prompt = model.prompt(text: "Once upon a time")
        var held: [AsyncThrowingStream<GenerationEvent, Error>] = []
        for _ in 0..<(model.slots + model.maxWaiting) {
            held.append(try model.generate(prompt: prompt, parameters: parameters, name: "smol"))
        }
        try await service.application.test(.router) { client in
            let key = try await service.tenant("busy", client: client)
            let busy = try await client.call(.post, "/v1/chat/completions", key: key, json: [
                "model": "smol", "messages": [["role": "user", "content": "hi"]],
            ])
            #expect(busy.status == .tooManyRequests)
            #expect(busy.json["error"]?["code"]?.string == "rate_limit_exceeded")
        }
        #expect(held.count == 2)
        await service.stop()
    }
}
