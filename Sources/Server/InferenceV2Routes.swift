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
        router.get("/v2/health/ready") { _, _ in JSONResponse.make(["ready": true]) }
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
                _ = try await deployments.route(name: try context.parameter("name"), version: context.parameters.get("version"),
                                                by: try context.caller())
                return JSONResponse.make(["name": .string(try context.parameter("name")), "ready": true])
            }
            router.post(RouterPath("/v2/models/{name}" + suffix + "/infer")) { request, context in
                var request = request
                let body = try await request.collectBody(upTo: context.maxUploadSize)
                let model = try await deployments.route(name: try context.parameter("name"), version: context.parameters.get("version"),
                                                        by: try context.caller())
                let jsonLength = request.headers[headerLength].flatMap(Int.init)
                return try await infer(body: Data(body.readableBytesView), jsonLength: jsonLength, model: model)
            }
        }
    }

    static func infer(body: Data, jsonLength: Int?, model: LoadedModel) async throws -> Response {
        let headerBytes: Data, binary: Data
        if let jsonLength {
            guard jsonLength >= 0, jsonLength <= body.count else {
                throw ServiceError.invalid(field: "Inference-Header-Content-Length",
                                           message: "\(jsonLength) is more than the \(body.count) bytes of the body")
            }
            headerBytes = body.prefix(jsonLength)
            binary = body.dropFirst(jsonLength)
        } else {
            (headerBytes, binary) = (body, Data())
        }
        let request: JSON
        do { request = try JSON.parse(Data(headerBytes)) } catch {
            throw ServiceError.invalid(field: "body", message: "malformed JSON inference request")
        }
        if model.tabularInputs != nil {
            return try TabularInferenceV2.infer(request: request, binary: Data(binary), model: model, modelName: model.name)
        }
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
            guard size <= binary.count else {
                throw ServiceError.invalid(field: "inputs[0].parameters.binary_data_size",
                                           message: "\(size) bytes announced, \(binary.count) in the body")
            }
            values = try TensorCodec.decodeBinary(Data(binary.prefix(size)), datatype: datatype, count: rows * perRow)
        } else {
            guard let data = input["data"] else { throw ServiceError.invalid(field: "inputs[0].data", message: "required") }
            values = try TensorCodec.decodeJSON(data, datatype: datatype, count: rows * perRow)
        }
        let outputs = try await model.predict(values, rows: rows, raw: true)
        let outputShape: JSON = .array(([rows] + model.outputShape).map { .number(Double($0)) })
        let wantsBinary = request["parameters"]?["binary_data_output"]?.bool == true
            || (request["outputs"]?.array ?? []).contains { $0["parameters"]?["binary_data"]?.bool == true }
        var output: [String: JSON] = ["name": "output", "datatype": "FP32", "shape": outputShape]
        var response: [String: JSON] = ["model_name": .string(model.name), "model_version": .string(String(model.version))]
        if let id = request["id"] { response["id"] = id }
        if wantsBinary {
            let bytes = TensorCodec.encodeFloat32(outputs)
            output["parameters"] = ["binary_data_size": .number(Double(bytes.count))]
            response["outputs"] = [.object(output)]
            let header = JSON.object(response).serialized()
            var buffer = ByteBuffer(bytes: header)
            buffer.writeBytes(bytes)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream",
                                                   headerLength: String(header.count)],
                            body: ResponseBody(byteBuffer: buffer))
        }
        output["data"] = .array(outputs.map { .number(Double($0)) })
        response["outputs"] = [.object(output)]
        return JSONResponse.make(.object(response))
    }
}

/// Tensor data in the v2 JSON and binary forms.
enum TensorCodec {
    static let datatypes = ["FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "BOOL"]

    /// Values from a flat or nested JSON array.
    static func decodeJSON(_ data: JSON, datatype: String, count: Int) throws -> [Float] {
        guard datatypes.contains(datatype), datatype != "BOOL" else {
            throw ServiceError.invalid(field: "inputs[0].datatype", message: "unsupported datatype '\(datatype)'; send FP32")
        }
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

    static func decodeBinary(_ bytes: Data, datatype: String, count: Int) throws -> [Float] {
        let width: Int
        switch datatype {
        case "FP32", "INT32": width = 4
        case "FP64", "INT64": width = 8
        case "UINT8": width = 1
        default: throw ServiceError.invalid(field: "inputs[0].datatype", message: "unsupported binary datatype '\(datatype)'; send FP32")
        }
        guard bytes.count == count * width else {
            throw ServiceError.invalid(field: "inputs[0].parameters.binary_data_size",
                                       message: "\(bytes.count) bytes; \(count) \(datatype) values need \(count * width)")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { index in
                let offset = index * width
                switch datatype {
                case "FP32": return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                case "INT32": return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                case "FP64": return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
                case "INT64": return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                default: return Float(raw[offset])
                }
            }
        }
    }

    static func encodeFloat32(_ values: [Float]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }
}
