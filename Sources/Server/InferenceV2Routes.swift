import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// Open Inference Protocol v2 (KServe / Triton), with Triton's binary
/// tensor extension: a request may carry `Inference-Header-Content-Length`
/// JSON bytes followed by raw little-endian tensors (`binary_data_size`),
/// and ask for binary outputs (`binary_data`).
enum InferenceV2Routes {
    static let headerLength = HTTPField.Name("Inference-Header-Content-Length")!

    static func register(_ router: Router<OrchardRequestContext>, platform: OrchardPlatform, version: String) {
        router.get("/v2/health/live") { _, _ in JSONResponse.make(["live": true]) }
        router.get("/v2/health/ready") { _, _ in
            let reasons = await platform.notReadyReasons()
            guard reasons.isEmpty else {
                return JSONResponse.make(["ready": false, "error": .string("not ready: " + reasons.joined(separator: "; ")),
                                          "reasons": .array(reasons.map { .string($0) })], status: .serviceUnavailable)
            }
            return JSONResponse.make(["ready": true])
        }
        router.get("/v2") { _, _ in
            JSONResponse.make(["name": "orchard", "version": .string(version), "extensions": ["binary_tensor_data"]])
        }
        let deployments = platform.deployments
        for suffix in ["", "/versions/{version}"] {
            router.get(RouterPath("/v2/models/{name}" + suffix)) { _, context in
                let model = try await deployments.route(name: try context.parameter("name"), version: context.parameters.get("version"),
                                                        by: try context.caller())
                let deployment = try await deployments.get(name: try context.parameter("name"), by: try context.caller())
                if model.tabularInputs != nil {
                    return JSONResponse.make(TabularInferenceV2.metadata(model: model, name: deployment.name,
                                                                         versions: deployment.traffic.keys.sorted()))
                }
                return JSONResponse.make([
                    "name": .string(deployment.name), "versions": .array(deployment.traffic.keys.sorted().map { .string(String($0)) }),
                    "platform": "orchard",
                    "inputs": [["name": "input", "datatype": "FP32", "shape": .array(([-1] + model.inputShape).map { .number(Double($0)) })]],
                    "outputs": [["name": "output", "datatype": "FP32", "shape": .array(([-1] + model.outputShape).map { .number(Double($0)) })]],
                ])
            }
            router.get(RouterPath("/v2/models/{name}" + suffix + "/ready")) { _, context in
                let name = try context.parameter("name")
                if let reason = try await deployments.notReadyReason(name: name, version: context.parameters.get("version"),
                                                                     by: try context.caller()) {
                    return JSONResponse.make(["name": .string(name), "ready": false, "error": .string(reason)], status: .serviceUnavailable)
                }
                return JSONResponse.make(["name": .string(name), "ready": true])
            }
            router.post(RouterPath("/v2/models/{name}" + suffix + "/infer")) { request, context in
                let name = try context.parameter("name")
                let model = try await deployments.route(name: name, version: context.parameters.get("version"), by: try context.caller())
                // The batcher may hold a batch open for this request while its body is read and decoded.
                let arrival = model.announce()
                defer { arrival?.withdraw() }
                var request = request
                let body = try await request.collectBody(upTo: context.maxUploadSize)
                let jsonLength = request.headers[headerLength].flatMap(Int.init)
                return try await infer(body: body, jsonLength: jsonLength, model: model, arrival: arrival, modelName: name)
            }
        }
    }

    /// One decoded inference request.
    struct Decoded {
        var id: JSON?
        var rows: Int
        var values: [Float]
        var wantsBinary: Bool
    }

    /// `modelName` is the name the client addressed (the deployment), which
    /// the protocol echoes in `model_name`.
    static func infer(body: ByteBuffer, jsonLength: Int?, model: LoadedModel, arrival: BatchArrival? = nil,
                      modelName: String) async throws -> Response {
        if model.tabularInputs != nil {
            let parsed = try parse(body: body, jsonLength: jsonLength, numericData: false)
            return try TabularInferenceV2.infer(request: parsed.request, binary: Data(parsed.binary.readableBytesView), model: model,
                                                modelName: modelName)
        }
        let decoded = try decode(body: body, jsonLength: jsonLength, model: model)
        let outputs = try await model.predict(decoded.values, rows: decoded.rows, raw: true, arrival: arrival)
        return respond(outputs, rows: decoded.rows, id: decoded.id, binary: decoded.wantsBinary, model: model, modelName: modelName)
    }

    /// The JSON header and the binary tensor bytes after it. With
    /// `numericData`, the tensors' data is read straight into floats where
    /// the fast path can (and left out of `request`).
    static func parse(body: ByteBuffer, jsonLength: Int?,
                      numericData: Bool = true) throws -> (request: JSON, parsedData: [[Float]?], binary: ByteBuffer) {
        var headerBytes = body, binary = ByteBuffer()
        if let jsonLength {
            guard jsonLength >= 0, jsonLength <= body.readableBytes else {
                throw ServiceError.invalid(field: "Inference-Header-Content-Length",
                                           message: "\(jsonLength) is more than the \(body.readableBytes) bytes of the body")
            }
            headerBytes = body.getSlice(at: body.readerIndex, length: jsonLength)!
            binary = body.getSlice(at: body.readerIndex + jsonLength, length: body.readableBytes - jsonLength)!
        }
        // Tensors straight into floats; anything unusual takes the general path and its precise errors.
        var request: JSON
        var parsedData: [[Float]?] = []
        if numericData, let fast = try? JSONReader.parseInferenceRequest(headerBytes) {
            (request, parsedData) = fast
        } else {
            do { request = try JSONReader.parse(headerBytes) } catch {
                throw ServiceError.invalid(field: "body", message: "malformed JSON inference request: \(error)")
            }
        }
        return (request, parsedData, binary)
    }

    static func decode(body: ByteBuffer, jsonLength: Int?, model: LoadedModel) throws -> Decoded {
        let (request, parsedData, binary) = try parse(body: body, jsonLength: jsonLength)
        guard let inputs = request["inputs"]?.array, inputs.count == 1, let input = inputs[0].object else {
            throw ServiceError.invalid(field: "inputs", message: "expected exactly one input tensor (the model has one input, 'input')")
        }
        guard let shape = input["shape"]?.array?.compactMap(\.int), shape.count == input["shape"]?.array?.count, !shape.isEmpty,
              shape.allSatisfy({ $0 >= 0 }) else {
            throw ServiceError.invalid(field: "inputs[0].shape", message: "expected a list of non-negative integers")
        }
        let rows = shape[0]
        let perRow = shape.dropFirst().reduce(1, *)
        guard perRow == model.inputSize, shape.count == 2 || Array(shape.dropFirst()) == model.inputShape else {
            throw ServiceError.invalid(field: "inputs[0].shape",
                                       message: "shape \(shape) does not match the model input [-1, \(model.inputShape.map(String.init).joined(separator: ", "))]")
        }
        let datatype = input["datatype"]?.string ?? ""
        let values: [Float]
        if let size = input["parameters"]?["binary_data_size"]?.int {
            guard size >= 0, size <= binary.readableBytes else {
                throw ServiceError.invalid(field: "inputs[0].parameters.binary_data_size",
                                           message: "\(size) bytes announced, \(binary.readableBytes) in the body")
            }
            values = try binary.withUnsafeReadableBytes {
                try TensorCodec.decodeBinary(UnsafeRawBufferPointer(rebasing: $0.prefix(size)), datatype: datatype, count: rows * perRow)
            }
        } else if let parsed = parsedData.first ?? nil {
            try TensorCodec.checkJSONDatatype(datatype)
            guard parsed.count == rows * perRow else {
                throw ServiceError.invalid(field: "inputs[0].data", message: "\(parsed.count) values; the shape needs \(rows * perRow)")
            }
            values = parsed
        } else {
            guard let data = input["data"] else { throw ServiceError.invalid(field: "inputs[0].data", message: "required") }
            values = try TensorCodec.decodeJSON(data, datatype: datatype, count: rows * perRow)
        }
        let wantsBinary = request["parameters"]?["binary_data_output"]?.bool == true
            || (request["outputs"]?.array ?? []).contains { $0["parameters"]?["binary_data"]?.bool == true }
        return Decoded(id: request["id"], rows: rows, values: values, wantsBinary: wantsBinary)
    }

    /// The answer, keys in the same (sorted) order as the rest of the API.
    static func respond(_ outputs: [Float], rows: Int, id: JSON?, binary: Bool, model: LoadedModel, modelName: String) -> Response {
        var writer = JSONWriter(capacity: 192 + outputs.count * 12)
        writer.raw("{")
        if let id {
            writer.raw("\"id\":")
            writer.write(id)
            writer.raw(",")
        }
        writer.raw("\"model_name\":")
        writer.write(string: modelName)
        writer.raw(",\"model_version\":")
        writer.write(string: String(model.version))
        writer.raw(",\"outputs\":[{")
        if !binary {
            writer.raw("\"data\":")
            writer.write(floats: outputs)
            writer.raw(",")
        }
        writer.raw("\"datatype\":\"FP32\",\"name\":\"output\",")
        if binary {
            writer.raw("\"parameters\":{\"binary_data_size\":")
            writer.write(integer: Int64(outputs.count * 4))
            writer.raw("},")
        }
        writer.raw("\"shape\":")
        writer.write(.array(([rows] + model.outputShape).map { .number(Double($0)) }))
        writer.raw("}]}")
        guard binary else {
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
        }
        var buffer = ByteBuffer(bytes: writer.bytes)
        buffer.reserveCapacity(minimumWritableBytes: outputs.count * 4)
        for value in outputs { buffer.writeInteger(value.bitPattern, endianness: .little) }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", headerLength: String(writer.bytes.count)],
                        body: ResponseBody(byteBuffer: buffer))
    }
}

/// Tensor data in the v2 JSON and binary forms.
enum TensorCodec {
    static let datatypes = ["FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "BOOL"]

    /// Values from a flat or nested JSON array.
    static func checkJSONDatatype(_ datatype: String) throws {
        guard datatypes.contains(datatype), datatype != "BOOL" else {
            throw ServiceError.invalid(field: "inputs[0].datatype", message: "unsupported datatype '\(datatype)'; send FP32")
        }
    }

    static func decodeJSON(_ data: JSON, datatype: String, count: Int) throws -> [Float] {
        try checkJSONDatatype(datatype)
        var values: [Float] = []
        values.reserveCapacity(count)
        func flatten(_ value: JSON) throws {
            if let number = value.number { values.append(Float(number)) }
            else if let list = value.array { for item in list { try flatten(item) } }
            else { throw ServiceError.invalid(field: "inputs[0].data", message: "expected numbers, found \(value.brief)") }
        }
        try flatten(data)
        guard values.count == count else {
            throw ServiceError.invalid(field: "inputs[0].data", message: "\(values.count) values; the shape needs \(count)")
        }
        return values
    }

    static func decodeBinary(_ raw: UnsafeRawBufferPointer, datatype: String, count: Int) throws -> [Float] {
        let width: Int
        switch datatype {
        case "FP32", "INT32": width = 4
        case "FP64", "INT64": width = 8
        case "UINT8": width = 1
        default: throw ServiceError.invalid(field: "inputs[0].datatype", message: "unsupported binary datatype '\(datatype)'; send FP32")
        }
        guard raw.count == count * width else {
            throw ServiceError.invalid(field: "inputs[0].parameters.binary_data_size",
                                       message: "\(raw.count) bytes; \(count) \(datatype) values need \(count * width)")
        }
        switch datatype {
        case "FP32":
            return (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        case "INT32": return (0..<count).map { Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        case "FP64":
            return (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
        case "INT64": return (0..<count).map { Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
        default: return (0..<count).map { Float(raw[$0]) }
        }
    }
}
