import Foundation
import Hummingbird
import Platform

/// Open Inference Protocol v2 for a deployed classical estimator, which
/// takes raw tabular rows. Two request forms:
/// - one input per column, named after it (KServe's pandas-style codec):
///   `{"name": "color", "datatype": "BYTES", "shape": [N], "data": ["red", "", …]}`,
///   numbers as any numeric datatype; "" or null is a blank cell;
/// - one input `[N, columns]` of mixed values in the model's column order.
/// Outputs: `label` (BYTES for text classes, FP64 otherwise), plus
/// `probabilities` (FP32, [N, classes]) or `components` (PCA) when the model
/// has them; `outputs` in the request picks among them. Binary data (Triton's
/// extension) works both ways; BYTES elements are 4-byte little-endian
/// lengths followed by the bytes.
enum TabularInferenceV2 {
    static func metadata(model: LoadedModel, name: String, versions: [Int]) -> JSON {
        let inputs = model.tabularInputs ?? []
        var outputs: [JSON] = [["name": "label", "datatype": .string(labelDatatype(model)), "shape": [-1]]]
        if model.outputSize > 1 {
            outputs.append(["name": .string(model.estimatorTask == "decomposition" ? "components" : "probabilities"),
                            "datatype": "FP32", "shape": [-1, .number(Double(model.outputSize))]])
        }
        return [
            "name": .string(name), "versions": .array(versions.map { .string(String($0)) }), "platform": "orchard_estimator",
            "inputs": .array(inputs.map { input in
                ["name": .string(input.name), "datatype": input.kind == "numeric" ? "FP64" : "BYTES", "shape": [-1]]
            }),
            "outputs": .array(outputs),
        ]
    }

    static func labelDatatype(_ model: LoadedModel) -> String { model.numericLabels ? "FP64" : "BYTES" }

    static func infer(request: JSON, binary: Data, model: LoadedModel, modelName: String) throws -> Response {
        guard let inputs = request["inputs"]?.array, !inputs.isEmpty else {
            throw ServiceError.invalid(field: "inputs", message: "expected a list of input tensors: one per column, or one [N, columns] tensor")
        }
        let columns = (model.tabularInputs ?? []).map(\.name)
        var cells: [String: [String?]] = [:]
        var rows: Int?
        var offset = 0
        for (index, input) in inputs.enumerated() {
            let field = "inputs[\(index)]"
            guard let name = input["name"]?.string else { throw ServiceError.invalid(field: "\(field).name", message: "required") }
            guard let shape = input["shape"]?.array?.compactMap(\.int), shape.count == input["shape"]?.array?.count,
                  !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }) else {
                throw ServiceError.invalid(field: "\(field).shape", message: "expected a list of non-negative integers")
            }
            let count = shape.reduce(1, *)
            let values = try decode(input, count: count, binary: binary, offset: &offset, field: field)
            if inputs.count == 1, !columns.contains(name) {
                // One tensor of whole rows, columns in the model's order.
                guard shape.count == 2, shape[1] == columns.count else {
                    throw ServiceError.invalid(field: "\(field).shape", message: "shape \(shape); a single input needs [N, \(columns.count)] "
                                               + "(columns \(columns.joined(separator: ", "))) — or send one input per column")
                }
                rows = shape[0]
                for (column, columnName) in columns.enumerated() {
                    cells[columnName] = (0..<shape[0]).map { values[$0 * columns.count + column] }
                }
                continue
            }
            guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
                throw ServiceError.invalid(field: "\(field).shape", message: "shape \(shape); a column input is [N] or [N, 1]")
            }
            if let rows, rows != shape[0] {
                throw ServiceError.invalid(field: "\(field).shape", message: "\(shape[0]) rows; the other inputs have \(rows)")
            }
            rows = shape[0]
            cells[name] = values
        }
        guard let rows, rows > 0 else { throw ServiceError.invalid(field: "inputs[0].shape", message: "no rows") }
        let predictions = try model.predict(cells: cells, rows: rows, field: "inputs")

        var available: [(name: String, datatype: String, shape: [Int], data: [JSON])] = [
            ("label", labelDatatype(model), [rows], predictions.labels),
        ]
        if let probabilities = predictions.probabilities {
            available.append(("probabilities", "FP32", [rows, predictions.classes.count], probabilities.flatMap { $0.map(JSON.number) }))
        }
        if let components = predictions.components, let width = components.first?.count {
            available.append(("components", "FP32", [rows, width], components.flatMap { $0.map(JSON.number) }))
        }
        let requested = request["outputs"]?.array ?? []
        var selected = available
        if !requested.isEmpty {
            selected = try requested.enumerated().map { index, output in
                guard let name = output["name"]?.string, let found = available.first(where: { $0.name == name }) else {
                    throw ServiceError.invalid(field: "outputs[\(index)].name",
                                               message: "unknown output; the model has \(available.map(\.name).joined(separator: ", "))")
                }
                return found
            }
        }
        let allBinary = request["parameters"]?["binary_data_output"]?.bool == true
        var response: [String: JSON] = ["model_name": .string(modelName), "model_version": .string(String(model.version))]
        if let id = request["id"] { response["id"] = id }
        var payload: [UInt8] = []
        response["outputs"] = .array(selected.map { output in
            var object: [String: JSON] = ["name": .string(output.name), "datatype": .string(output.datatype),
                                          "shape": .array(output.shape.map { .number(Double($0)) })]
            let wantsBinary = allBinary || requested.contains {
                $0["name"]?.string == output.name && $0["parameters"]?["binary_data"]?.bool == true
            }
            if wantsBinary {
                let bytes = encode(output.data, datatype: output.datatype)
                object["parameters"] = ["binary_data_size": .number(Double(bytes.count))]
                payload += bytes
            } else {
                object["data"] = .array(output.data)
            }
            return .object(object)
        })
        let header = JSON.object(response).serialized()
        guard !payload.isEmpty else { return JSONResponse.make(.object(response)) }
        var buffer = ByteBuffer(bytes: header)
        buffer.writeBytes(payload)
        return Response(status: .ok, headers: [.contentType: "application/octet-stream",
                                               InferenceV2Routes.headerLength: String(header.count)],
                        body: ResponseBody(byteBuffer: buffer))
    }

    /// An input's elements as cells, from JSON `data` or its binary segment.
    static func decode(_ input: JSON, count: Int, binary: Data, offset: inout Int, field: String) throws -> [String?] {
        let datatype = input["datatype"]?.string ?? ""
        guard datatype == "BYTES" || TensorCodec.datatypes.contains(datatype) else {
            throw ServiceError.invalid(field: "\(field).datatype", message: "unsupported datatype '\(datatype)'; send BYTES or a numeric type")
        }
        if let size = input["parameters"]?["binary_data_size"]?.int {
            guard size >= 0, offset + size <= binary.count else {
                throw ServiceError.invalid(field: "\(field).parameters.binary_data_size",
                                           message: "\(size) bytes announced, \(binary.count - offset) left in the body")
            }
            let segment = Data(binary[(binary.startIndex + offset)..<(binary.startIndex + offset + size)])
            offset += size
            if datatype == "BYTES" { return try decodeBytes(segment, count: count, field: field) }
            return try segment.withUnsafeBytes { try TensorCodec.decodeBinary($0, datatype: datatype, count: count) }.map { value in
                value.isNaN ? nil : LoadedModel.cell(.number(Double(value)))
            }
        }
        guard let data = input["data"] else { throw ServiceError.invalid(field: "\(field).data", message: "required") }
        var cells: [String?] = []
        func flatten(_ value: JSON) throws {
            if let list = value.array { for item in list { try flatten(item) } } else if value.object != nil {
                throw ServiceError.invalid(field: "\(field).data", message: "expected strings, numbers or null, found an object")
            } else {
                cells.append(LoadedModel.cell(value))
            }
        }
        try flatten(data)
        guard cells.count == count else {
            throw ServiceError.invalid(field: "\(field).data", message: "\(cells.count) values; the shape needs \(count)")
        }
        return cells
    }

    /// BYTES elements: a 4-byte little-endian length, then that many bytes of UTF-8.
    static func decodeBytes(_ bytes: Data, count: Int, field: String) throws -> [String?] {
        var cells: [String?] = []
        var position = bytes.startIndex
        for index in 0..<count {
            guard bytes.endIndex - position >= 4 else {
                throw ServiceError.invalid(field: "\(field).parameters.binary_data_size", message: "element \(index): truncated length")
            }
            let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8 | Int(bytes[position + 2]) << 16 | Int(bytes[position + 3]) << 24
            position += 4
            guard bytes.endIndex - position >= length, let text = String(data: bytes[position..<(position + length)], encoding: .utf8) else {
                throw ServiceError.invalid(field: "\(field).parameters.binary_data_size", message: "element \(index): truncated or not UTF-8")
            }
            position += length
            cells.append(text.isEmpty ? nil : text)
        }
        guard position == bytes.endIndex else {
            throw ServiceError.invalid(field: "\(field).parameters.binary_data_size", message: "\(bytes.endIndex - position) bytes left over")
        }
        return cells
    }

    static func encode(_ data: [JSON], datatype: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for value in data {
            switch datatype {
            case "BYTES":
                let text = Array((value.string ?? "").utf8)
                withUnsafeBytes(of: UInt32(text.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes += text
            case "FP64":
                withUnsafeBytes(of: (value.number ?? .nan).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            default:
                withUnsafeBytes(of: Float(value.number ?? .nan).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }
}
