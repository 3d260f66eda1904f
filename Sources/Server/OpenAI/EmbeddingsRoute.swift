import Foundation
import Hummingbird
import Platform

/// `POST /v1/embeddings`: strings or token ids (see `inputs`); vectors as JSON
/// numbers (`encoding_format` "float") or base64 of little-endian float32
/// bytes ("base64", what the official client asks for by default).
enum EmbeddingsRoute {
    static func respond(_ fields: OpenAIFields, pretrained: PretrainedModels, principal: Principal) async throws -> Response {
        let name = try fields.requiredString("model")
        let items = try inputs(fields)
        let format = try fields.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw OpenAIError.invalid("'encoding_format' must be 'float' or 'base64', found '\(format)'", param: "encoding_format")
        }
        let model = try pretrained.embeddingModel(name, for: principal)
        if let dimensions = fields["dimensions"], dimensions.int != model.dimension {
            throw OpenAIError.invalid("'\(name)' returns \(model.dimension) dimensions and cannot shorten them; "
                                      + "omit 'dimensions' or send \(model.dimension)", param: "dimensions")
        }
        let (vectors, tokens) = try await model.embed(items)
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: body(vectors, base64: format == "base64", model: name, tokens: tokens))))
    }

    /// `input`: a string, a list of strings, a list of token ids (one input)
    /// or a list of lists of token ids; ids are the model's own vocabulary.
    static func inputs(_ fields: OpenAIFields) throws -> [LoadedEmbeddingModel.Input] {
        guard let value = fields["input"] else { throw OpenAIError.invalid("'input' is required", param: "input") }
        if let text = value.string { return [.text(text)] }
        let expected = "a string, a list of strings, a list of token ids or a list of lists of token ids"
        guard let list = value.array, !list.isEmpty else {
            throw OpenAIError.invalid("'input' must be \(expected), found \(value.brief)", param: "input")
        }
        if list.allSatisfy({ $0.number != nil }) { return [.tokens(try ids(list, at: "input"))] }
        guard list.count <= LoadedEmbeddingModel.maxInputs else {
            throw OpenAIError.invalid("'input' has \(list.count) items; at most \(LoadedEmbeddingModel.maxInputs) per request", param: "input")
        }
        return try list.enumerated().map { index, item in
            if let text = item.string { return .text(text) }
            if let inner = item.array, !inner.isEmpty { return .tokens(try ids(inner, at: "input[\(index)]")) }
            throw OpenAIError.invalid("input[\(index)] must be a string or a non-empty list of token ids, found \(item.brief)", param: "input")
        }
    }

    private static func ids(_ list: [JSON], at path: String) throws -> [Int] {
        try list.enumerated().map { index, item in
            guard let id = item.int, id >= 0 else {
                throw OpenAIError.invalid("\(path)[\(index)] must be a token id (an integer ≥ 0), found \(item.brief)", param: "input")
            }
            return id
        }
    }

    /// The answer, written directly: JSON numbers are the float32 values
    /// widened to double, so they parse back to the same float32.
    static func body(_ vectors: [[Float]], base64: Bool, model: String, tokens: Int) -> String {
        var out = #"{"object":"list","data":["#
        for (index, vector) in vectors.enumerated() {
            if index > 0 { out += "," }
            out += #"{"object":"embedding","index":\#(index),"embedding":"#
            if base64 {
                var bytes = [UInt8]()
                bytes.reserveCapacity(vector.count * 4)
                for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                out += "\"" + Data(bytes).base64EncodedString() + "\""
            } else {
                out += "[" + vector.map { Double($0).description }.joined(separator: ",") + "]"
            }
            out += "}"
        }
        let modelJSON = String(decoding: JSON.string(model).serialized(), as: UTF8.self)
        out += #"],"model":\#(modelJSON),"usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)}}"#
        return out
    }
}
