// Chat templates in common use, recognised from a model's Jinja
// `tokenizer.chat_template` and rendered natively (no Jinja engine):
//   ChatML (SmolLM2, Qwen…):  <|im_start|>role\ncontent<|im_end|>\n … <|im_start|>assistant\n
//     with the template's default system message when the first message is not a system one
//   Llama 3:  <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|> …
//   Mistral:  <s>[INST] (system\n\n)user [/INST] assistant</s>[INST] …
// Anything else is refused at load time.

public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

public struct ChatTemplate: Sendable, Equatable {
    public enum Kind: String, Sendable { case chatML, llama3, mistral }
    public let kind: Kind
    /// ChatML: system message inserted when the conversation has none (from the template).
    public let defaultSystemMessage: String?

    public init(kind: Kind, defaultSystemMessage: String? = nil) {
        self.kind = kind
        self.defaultSystemMessage = defaultSystemMessage
    }

    /// Recognises a GGUF `tokenizer.chat_template`; nil (no template) means ChatML, llama.cpp's default.
    public init(ggufTemplate: String?) throws {
        guard let t = ggufTemplate else {
            self.init(kind: .chatML)
            return
        }
        if t.contains("<|im_start|>") {
            var system: String?
            // The template writes the default system message as a literal, with a real
            // newline or a Jinja "\n" escape after the role.
            if t.contains("messages[0]['role'] != 'system'") {
                for marker in ["<|im_start|>system\n", "<|im_start|>system\\n"] {
                    if let start = t.range(of: marker),
                       let end = t.range(of: "<|im_end|>", range: start.upperBound..<t.endIndex) {
                        system = String(t[start.upperBound..<end.lowerBound])
                        break
                    }
                }
            }
            self.init(kind: .chatML, defaultSystemMessage: system)
        } else if t.contains("<|start_header_id|>") {
            self.init(kind: .llama3)
        } else if t.contains("[INST]") {
            self.init(kind: .mistral)
        } else {
            throw LargeModelError.unknownChatTemplate(excerpt: String(t.prefix(120)))
        }
    }

    /// Tokens that end an assistant turn.
    public var endOfTurnTokens: [String] {
        switch kind {
        case .chatML: return ["<|im_end|>", "<|endoftext|>"]
        case .llama3: return ["<|eot_id|>", "<|end_of_text|>"]
        case .mistral: return ["</s>"]
        }
    }

    /// The prompt text for `messages`, ending with the assistant's turn opening.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        switch kind {
        case .chatML:
            if let system = defaultSystemMessage, messages.first?.role != "system" {
                out += "<|im_start|>system\n\(system)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            out = "<|begin_of_text|>"
            for m in messages {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(m.content.trimmingWhitespace())<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .mistral:
            out = "<s>"
            var system: String?
            for m in messages {
                switch m.role {
                case "system": system = m.content
                case "user":
                    let content = system.map { "\($0)\n\n\(m.content)" } ?? m.content
                    system = nil
                    out += "[INST] \(content) [/INST]"
                default: out += " \(m.content)</s>"
                }
            }
        }
        return out
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
