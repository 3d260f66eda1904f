import Foundation
import Hummingbird
import LargeModels
import NIOCore
import Platform

/// Turns generation events into OpenAI answers: one `chat.completion` /
/// `text_completion` object, or a stream of `data: {chunk}` server-sent
/// events ending with `data: [DONE]`.
struct CompletionResponder {
    enum Format {
        /// /v1/chat/completions: `message` / `delta` objects.
        case chat
        /// /v1/completions: `text`.
        case text
    }

    let format: Format
    let model: String
    let id: String
    let created: Int

    init(format: Format, model: String) {
        self.format = format
        self.model = model
        id = (format == .chat ? "chatcmpl-" : "cmpl-") + Identifiers.random(24)
        created = Int(Date().timeIntervalSince1970)
    }

    static func finishReason(_ reason: FinishReason) -> JSON {
        switch reason {
        case .stop: "stop"
        case .length: "length"
        case .cancelled: .null
        }
    }

    static func usage(_ usage: GenerationUsage) -> JSON {
        ["prompt_tokens": .number(Double(usage.promptTokens)), "completion_tokens": .number(Double(usage.completionTokens)),
         "total_tokens": .number(Double(usage.totalTokens))]
    }

    private func envelope(object: String, choices: [JSON], usage: JSON?) -> JSON {
        var body: [String: JSON] = ["id": .string(id), "object": .string(object), "created": .number(Double(created)),
                                    "model": .string(model), "choices": .array(choices)]
        if let usage { body["usage"] = usage }
        return .object(body)
    }

    /// The whole answer (not streaming).
    func completion(text: String, finish: FinishReason, usage: GenerationUsage) -> JSON {
        let choice: JSON
        switch format {
        case .chat:
            choice = ["index": 0, "message": ["role": "assistant", "content": .string(text)], "logprobs": nil,
                      "finish_reason": Self.finishReason(finish)]
        case .text:
            choice = ["index": 0, "text": .string(text), "logprobs": nil, "finish_reason": Self.finishReason(finish)]
        }
        return envelope(object: format == .chat ? "chat.completion" : "text_completion", choices: [choice], usage: Self.usage(usage))
    }

    /// One streamed chunk with a choice; `usage` null when the client asked for usage (as OpenAI does).
    func chunk(text: String?, role: Bool = false, finish: FinishReason? = nil, includeUsage: Bool) -> JSON {
        let choice: JSON
        switch format {
        case .chat:
            var delta: [String: JSON] = [:]
            if role { delta["role"] = "assistant" }
            if let text { delta["content"] = .string(text) }
            choice = ["index": 0, "delta": .object(delta), "logprobs": nil, "finish_reason": finish.map(Self.finishReason) ?? .null]
        case .text:
            choice = ["index": 0, "text": .string(text ?? ""), "logprobs": nil, "finish_reason": finish.map(Self.finishReason) ?? .null]
        }
        return envelope(object: format == .chat ? "chat.completion.chunk" : "text_completion", choices: [choice],
                        usage: includeUsage ? .null : nil)
    }

    /// The last chunk when usage was asked for: no choices, the usage.
    func usageChunk(_ usage: GenerationUsage) -> JSON {
        envelope(object: format == .chat ? "chat.completion.chunk" : "text_completion", choices: [], usage: Self.usage(usage))
    }

    // MARK: - Answers

    /// The answer the request asked for: a stream of chunks, or one object
    /// once generation ends.
    func respond(_ events: AsyncThrowingStream<GenerationEvent, Error>, options: CompletionOptions,
                 connection: any Channel) async throws -> Response {
        options.stream ? respond(streaming: events, includeUsage: options.includeUsage)
                       : try await respond(collecting: events, connection: connection)
    }

    /// Collects the events into one answer. While it waits, the request's
    /// connection is watched: a client that goes away (closes the connection
    /// or its side of it) cancels the generation and frees its slot, instead
    /// of leaving it to run to max_tokens for nobody.
    func respond(collecting events: AsyncThrowingStream<GenerationEvent, Error>, connection: any Channel) async throws -> Response {
        // Channels without the handler (in-process test channels) are not watched.
        guard let watcher = await ClientGoneHandler.of(connection) else { return try await respond(collecting: events) }
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await self.respond(collecting: events) }
            group.addTask {
                while !watcher.clientGone { try await Task.sleep(nanoseconds: Self.connectionPollNanoseconds) }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else { throw LargeModelError.cancelled }
            return response
        }
    }

    static let connectionPollNanoseconds: UInt64 = 50_000_000

    /// Collects the events into one answer.
    func respond(collecting events: AsyncThrowingStream<GenerationEvent, Error>) async throws -> Response {
        var text = ""
        var end: (FinishReason, GenerationUsage)?
        for try await event in events {
            switch event {
            case .delta(let delta, _): text += delta
            case .finished(let reason, let usage): end = (reason, usage)
            }
        }
        guard let (reason, usage) = end, reason != .cancelled else { throw LargeModelError.cancelled }
        return JSONResponse.make(completion(text: text, finish: reason, usage: usage))
    }

    /// Streams the events as server-sent events. The response has started
    /// (200) when generation runs, so an error after that is sent as a last
    /// `data: {"error": …}` event. A client that goes away makes the next
    /// write fail; leaving the loop drops the stream's iterator, which
    /// cancels the generation and frees its slot.
    func respond(streaming events: AsyncThrowingStream<GenerationEvent, Error>, includeUsage: Bool) -> Response {
        let responder = self
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                func send(_ value: JSON) async throws {
                    var buffer = ByteBuffer(string: "data: ")
                    buffer.writeBytes(value.serialized())
                    buffer.writeString("\n\n")
                    try await writer.write(buffer)
                }
                if responder.format == .chat { try await send(responder.chunk(text: "", role: true, includeUsage: includeUsage)) }
                do {
                    for try await event in events {
                        switch event {
                        case .delta(let text, _):
                            if !text.isEmpty { try await send(responder.chunk(text: text, includeUsage: includeUsage)) }
                        case .finished(let reason, let usage):
                            guard reason != .cancelled else { throw LargeModelError.cancelled }
                            try await send(responder.chunk(text: responder.format == .chat ? nil : "", finish: reason,
                                                           includeUsage: includeUsage))
                            if includeUsage { try await send(responder.usageChunk(usage)) }
                        }
                    }
                } catch let error as LargeModelError {
                    try await send(OpenAIError.from(error, promptParam: nil).json)
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            })
    }
}
