import ArgumentParser
import Foundation
import LargeModels

/// Interactive chat with a local GGUF model, streaming the reply as it is generated.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Chat with a GGUF model (local file), streaming replies.")

    @Option(help: "Path of a GGUF model file (Llama architecture).") var model: String
    @Option(help: "System message (default: the chat template's own, if any).") var system: String?
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Float = 0.7
    @Option(help: "Nucleus sampling threshold.") var topP: Float = 0.95
    @Option(help: "Maximum tokens per reply.") var maxTokens: Int = 512
    @Option(help: "Random seed.") var seed: UInt64?
    @Option(help: "Context length in tokens.") var context: Int = 4096
    @Option(help: "One message to answer, then exit (otherwise read messages from standard input).") var message: String?

    func run() async throws {
        let llm = try LlamaModel(path: model)
        let scheduler = GenerationScheduler(model: llm, slots: 1, contextLength: context)
        defer { scheduler.shutdown() }
        var parameters = SamplingParameters()
        parameters.temperature = temperature
        parameters.topP = topP
        parameters.maxTokens = maxTokens
        parameters.seed = seed
        var history: [ChatMessage] = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        let interactive = message == nil
        if interactive { FileHandle.standardError.write("orchard chat — \(URL(fileURLWithPath: model).lastPathComponent); empty line or Ctrl-D to quit\n".data(using: .utf8)!) }
        while true {
            let input: String
            if let message {
                input = message
            } else {
                FileHandle.standardError.write("> ".data(using: .utf8)!)
                guard let line = readLine(), !line.isEmpty else { return }
                input = line
            }
            history.append(ChatMessage(role: "user", content: input))
            var reply = ""
            for try await event in scheduler.chat(history, parameters: parameters) {
                if case .delta(let text, _) = event {
                    reply += text
                    FileHandle.standardOutput.write(text.data(using: .utf8)!)
                }
            }
            print()
            history.append(ChatMessage(role: "assistant", content: reply))
            if !interactive { return }
        }
    }
}
