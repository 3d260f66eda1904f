import ArgumentParser
import Foundation
import LargeModels
import Platform

/// Interactive chat, streaming the reply as it is generated: with a model
/// served by `orchard serve` (`--server` or ORCHARD_URL, over
/// /v1/chat/completions) or a local GGUF file.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with a model, streaming replies: a served model (--server URL or ORCHARD_URL) or a local GGUF file.")

    @Option(help: "A model name on the server, or the path of a local GGUF file (Llama architecture).") var model: String
    @Option(help: "Server URL (default: ORCHARD_URL); without one, --model is a local file.") var server: String?
    @Option(name: .customLong("api-key"), help: "API key for the server (default: ORCHARD_API_KEY).") var apiKey: String?
    @Option(help: "System message (default: the chat template's own, if any).") var system: String?
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Float = 0.7
    @Option(help: "Nucleus sampling threshold.") var topP: Float = 0.95
    @Option(help: "Maximum tokens per reply.") var maxTokens: Int = 512
    @Option(help: "Random seed.") var seed: UInt64?
    @Option(help: "Context length in tokens (local file).") var context: Int = 4096
    @Option(help: "One message to answer, then exit (otherwise read messages from standard input).") var message: String?

    /// Streams the reply to the conversation so far, delta by delta.
    typealias Reply = ([ChatMessage]) -> AsyncThrowingStream<String, Error>

    func run() async throws {
        let reply: Reply
        let shutdown: () -> Void
        if server == nil, FileManager.default.fileExists(atPath: model) || ProcessInfo.processInfo.environment["ORCHARD_URL"] == nil {
            guard FileManager.default.fileExists(atPath: model) else {
                throw OpenAIClient.Failure(description: "no file '\(model)'; to chat with a served model pass --server URL or set ORCHARD_URL")
            }
            let scheduler = GenerationScheduler(model: try LlamaModel(path: model), slots: 1, contextLength: context)
            reply = { history in Self.text(scheduler.chat(history, parameters: localParameters)) }
            shutdown = scheduler.shutdown
        } else {
            let client = try OpenAIClient.resolve(server: server, apiKey: apiKey)
            reply = { history in client.streamChat(requestBody(history)) }
            shutdown = {}
        }
        defer { shutdown() }
        try await converse(reply)
    }

    func converse(_ reply: Reply) async throws {
        var history: [ChatMessage] = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        let interactive = message == nil
        if interactive {
            FileHandle.standardError.write(Data("orchard chat — \(URL(fileURLWithPath: model).lastPathComponent); empty line or Ctrl-D to quit\n".utf8))
        }
        while true {
            let input: String
            if let message {
                input = message
            } else {
                FileHandle.standardError.write(Data("> ".utf8))
                guard let line = readLine(), !line.isEmpty else { return }
                input = line
            }
            history.append(ChatMessage(role: "user", content: input))
            var text = ""
            for try await delta in reply(history) {
                text += delta
                FileHandle.standardOutput.write(Data(delta.utf8))
            }
            FileHandle.standardOutput.write(Data("\n".utf8))
            history.append(ChatMessage(role: "assistant", content: text))
            if !interactive { return }
        }
    }

    var localParameters: SamplingParameters {
        var parameters = SamplingParameters()
        parameters.temperature = temperature
        parameters.topP = topP
        parameters.maxTokens = maxTokens
        parameters.seed = seed
        return parameters
    }

    func requestBody(_ history: [ChatMessage]) -> JSON {
        var body: [String: JSON] = [
            "model": .string(model), "max_tokens": .number(Double(maxTokens)),
            "temperature": .number(Double(temperature)), "top_p": .number(Double(topP)),
            "messages": .array(history.map { ["role": .string($0.role), "content": .string($0.content)] }),
        ]
        if let seed { body["seed"] = .number(Double(Int64(bitPattern: seed))) }
        return .object(body)
    }

    /// The text deltas of a local generation.
    static func text(_ events: AsyncThrowingStream<GenerationEvent, Error>) -> AsyncThrowingStream<String, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in events {
                        if case .delta(let text, _) = event, !text.isEmpty { continuation.yield(text) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
