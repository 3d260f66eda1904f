import Foundation
import LargeModels
import Platform

/// Reads the fields of an OpenAI request body, each with its own 400 naming
/// the field (`param`). Fields OpenAI defines that this server cannot honour
/// are refused rather than ignored; fields it does not know are ignored, as
/// clients add their own (`user`, `metadata`, …).
struct OpenAIFields {
    let body: [String: JSON]

    init(_ body: JSON) throws {
        guard let object = body.object else { throw OpenAIError.invalid("expected a JSON object", param: nil) }
        self.body = object
    }

    /// The value unless absent or null.
    subscript(_ name: String) -> JSON? {
        guard let value = body[name], !value.isNull else { return nil }
        return value
    }

    func string(_ name: String) throws -> String? {
        guard let value = self[name] else { return nil }
        guard let text = value.string else { throw OpenAIError.invalid("'\(name)' must be a string, found \(value.brief)", param: name) }
        return text
    }

    func requiredString(_ name: String) throws -> String {
        guard let text = try string(name) else { throw OpenAIError.invalid("'\(name)' is required", param: name) }
        return text
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = self[name] else { return nil }
        guard let flag = value.bool else { throw OpenAIError.invalid("'\(name)' must be a boolean, found \(value.brief)", param: name) }
        return flag
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = self[name] else { return nil }
        guard let number = value.int, range.contains(number) else {
            throw OpenAIError.invalid("'\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), found \(value.brief)",
                                      param: name)
        }
        return number
    }

    func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = self[name] else { return nil }
        guard let number = value.number, range.contains(number) else {
            throw OpenAIError.invalid("'\(name)' must be a number in \(range.lowerBound)...\(range.upperBound), found \(value.brief)",
                                      param: name)
        }
        return number
    }

    /// Refuses a field unless it is absent, null or the one value this server supports.
    func unsupported(_ name: String, unless allowed: (JSON) -> Bool = { _ in false }, _ reason: String) throws {
        if let value = self[name], !allowed(value) {
            throw OpenAIError.invalid("'\(name)' is not supported: \(reason)", param: name)
        }
    }
}

/// What chat and text completions share: the model, streaming and sampling.
struct CompletionOptions {
    var model: String
    var stream: Bool
    var includeUsage: Bool
    var parameters: SamplingParameters

    init(_ fields: OpenAIFields, maxTokensFields: [String]) throws {
        model = try fields.requiredString("model")
        if let n = fields["n"], n.int != 1 {
            throw OpenAIError.invalid("only n=1 is supported (one choice per request), found \(n.brief)", param: "n")
        }
        stream = try fields.bool("stream") ?? false
        includeUsage = false
        if let options = fields["stream_options"] {
            guard stream else {
                throw OpenAIError.invalid("'stream_options' is only allowed when 'stream' is true", param: "stream_options")
            }
            guard options.object != nil else {
                throw OpenAIError.invalid("'stream_options' must be an object, found \(options.brief)", param: "stream_options")
            }
            includeUsage = try OpenAIFields(options).bool("include_usage") ?? false
        }
        try fields.unsupported("logprobs", unless: { $0.bool == false }, "log probabilities are not returned")
        try fields.unsupported("top_logprobs", "log probabilities are not returned")
        try fields.unsupported("logit_bias", unless: { $0.object?.isEmpty == true }, "logit biases are not applied")
        try fields.unsupported("tools", unless: { $0.array?.isEmpty == true }, "tool calls are not supported")
        try fields.unsupported("functions", unless: { $0.array?.isEmpty == true }, "function calls are not supported")
        try fields.unsupported("tool_choice", unless: { $0.string == "none" }, "tool calls are not supported")
        try fields.unsupported("response_format", unless: { $0["type"]?.string == "text" }, "only {\"type\": \"text\"}")

        var p = SamplingParameters()
        // OpenAI's defaults; top-k and min-p keep llama.cpp's (their values do not
        // change greedy decoding). top_k, min_p, repetition_penalty and ignore_eos
        // are llama.cpp's extensions.
        p.temperature = Float(try fields.number("temperature", in: 0...2) ?? 1)
        p.topP = Float(try fields.number("top_p", in: 0...1) ?? 1)
        p.topK = try fields.integer("top_k", in: 0...1_000_000) ?? p.topK
        p.minP = Float(try fields.number("min_p", in: 0...1) ?? Double(p.minP))
        p.presencePenalty = Float(try fields.number("presence_penalty", in: -2...2) ?? 0)
        p.frequencyPenalty = Float(try fields.number("frequency_penalty", in: -2...2) ?? 0)
        p.repetitionPenalty = Float(try fields.number("repetition_penalty", in: 0.01...10) ?? 1)
        // llama.cpp's extension: keep going past end-of-generation tokens.
        p.ignoreEndOfGeneration = try fields.bool("ignore_eos") ?? false
        if let seed = fields["seed"] {
            guard let number = seed.number, number == number.rounded(), abs(number) <= 9_007_199_254_740_992 else {
                throw OpenAIError.invalid("'seed' must be an integer, found \(seed.brief)", param: "seed")
            }
            p.seed = UInt64(bitPattern: Int64(number))
        }
        // The first of the fields given wins (max_completion_tokens replaces max_tokens in chat).
        p.maxTokens = Int.max
        for name in maxTokensFields.reversed() {
            if let limit = try fields.integer(name, in: 1...Int(Int32.max)) { p.maxTokens = limit }
        }
        if let stop = fields["stop"] {
            if let text = stop.string {
                p.stop = [text]
            } else if let list = stop.array, list.count <= 4, list.allSatisfy({ $0.string != nil }) {
                p.stop = list.compactMap(\.string)
            } else {
                throw OpenAIError.invalid("'stop' must be a string or a list of up to 4 strings, found \(stop.brief)", param: "stop")
            }
        }
        parameters = p
    }
}

enum ChatMessages {
    /// `messages`: system (or developer), user and assistant turns whose
    /// content is a string or a list of text parts.
    static func parse(_ fields: OpenAIFields) throws -> [ChatMessage] {
        guard let value = fields["messages"] else { throw OpenAIError.invalid("'messages' is required", param: "messages") }
        guard let list = value.array, !list.isEmpty else {
            throw OpenAIError.invalid("'messages' must be a non-empty list of messages, found \(value.brief)", param: "messages")
        }
        return try list.enumerated().map { index, item in
            let param = "messages[\(index)]"
            guard let message = item.object else { throw OpenAIError.invalid("\(param) must be an object, found \(item.brief)", param: param) }
            guard let role = message["role"]?.string else {
                throw OpenAIError.invalid("\(param).role is required: system, user or assistant", param: param + ".role")
            }
            let templateRole: String
            switch role {
            case "system", "developer": templateRole = "system"
            case "user", "assistant": templateRole = role
            case "tool", "function":
                throw OpenAIError.invalid("\(param).role '\(role)': tool messages are not supported", param: param + ".role")
            default:
                throw OpenAIError.invalid("\(param).role '\(role)' is not one of system, developer, user, assistant", param: param + ".role")
            }
            return ChatMessage(role: templateRole, content: try content(message["content"], param: param + ".content"))
        }
    }

    static func content(_ value: JSON?, param: String) throws -> String {
        guard let value, !value.isNull else { throw OpenAIError.invalid("\(param) is required", param: param) }
        if let text = value.string { return text }
        guard let parts = value.array else {
            throw OpenAIError.invalid("\(param) must be a string or a list of text parts, found \(value.brief)", param: param)
        }
        return try parts.enumerated().map { index, part in
            guard part["type"]?.string == "text", let text = part["text"]?.string else {
                throw OpenAIError.invalid("\(param)[\(index)] must be {\"type\": \"text\", \"text\": …}; only text is supported",
                                          param: "\(param)[\(index)]")
            }
            return text
        }.joined(separator: "\n")
    }
}
