import Foundation
import Hummingbird
import Platform

/// TensorFlow Serving's REST API: model status and `:predict` with
/// `instances` (row format, answers `predictions`) or `inputs` (columnar,
/// answers `outputs`).
enum TFServingRoutes {
    static func register(_ router: Router<OrchardRequestContext>, platform: OrchardPlatform) {
        let deployments = platform.deployments
        // GET /v1/models/{name} is registered by OpenAIRoutes: an OpenAI model
        // object for a pretrained model, else `status` below.
        router.get("/v1/models/{name}/versions/{version}") { _, context in
            try await status(platform: platform, name: try context.parameter("name"), version: try context.parameter("version"),
                             by: try context.caller())
        }
        // Same parameter names as the GET routes: the router shares the nodes.
        router.post("/v1/models/{name}") { request, context in
            var request = request
            let target = try context.parameter("name")
            guard target.hasSuffix(":predict") else {
                throw ServiceError.invalid(field: nil, message: "unknown method '\(target)'; TF Serving routes end in :predict")
            }
            let model = try await deployments.route(name: String(target.dropLast(":predict".count)), by: try context.caller())
            let arrival = model.announce()
            defer { arrival?.withdraw() }
            return JSONResponse.make(try await predict(try await request.decodeJSON(context: context), model: model, arrival: arrival))
        }
        // A version in the last segment: /v1/models/NAME/versions/V:predict
        router.post("/v1/models/{name}/versions/{version}") { request, context in
            var request = request
            let target = try context.parameter("version")
            guard target.hasSuffix(":predict") else { throw ServiceError.invalid(field: nil, message: "unknown method '\(target)'") }
            let model = try await deployments.route(name: try context.parameter("name"), version: String(target.dropLast(":predict".count)),
                                                    by: try context.caller())
            let arrival = model.announce()
            defer { arrival?.withdraw() }
            return JSONResponse.make(try await predict(try await request.decodeJSON(context: context), model: model, arrival: arrival))
        }
    }

    /// A deployment's versions (or one of them) as TF Serving's `model_version_status`.
    static func status(platform: OrchardPlatform, name: String, version: String?, by principal: Principal) async throws -> Response {
        let deployment = try await platform.deployments.get(name: name, by: principal)
        let versions = deployment.traffic.keys.sorted().filter { version == nil || String($0) == version }
        guard !versions.isEmpty else { throw ServiceError.notFound(kind: "version", id: version ?? "") }
        return JSONResponse.make(["model_version_status": .array(versions.map { version in
            ["version": .string(String(version)), "state": "AVAILABLE", "status": ["error_code": "OK", "error_message": ""]]
        })])
    }

    static func predict(_ body: JSON, model: LoadedModel, arrival: BatchArrival? = nil) async throws -> JSON {
        guard let object = body.object else { throw ServiceError.invalid(field: "body", message: "expected a JSON object") }
        if model.tabularInputs != nil { return try TabularTFServing.predict(object, model: model) }
        let rowsField: String
        let rowsValue: [JSON]
        if let instances = object["instances"] {
            guard let list = instances.array, !list.isEmpty else {
                throw ServiceError.invalid(field: "instances", message: "expected a non-empty list of rows")
            }
            (rowsField, rowsValue) = ("instances", list)
        } else if let inputs = object["inputs"] {
            // Columnar: the tensor itself, or {"input": tensor} for the one named input.
            let tensor = inputs.object.flatMap { $0.count == 1 ? $0.values.first : nil } ?? inputs
            guard let list = tensor.array, !list.isEmpty else {
                throw ServiceError.invalid(field: "inputs", message: "expected a non-empty tensor with the batch first")
            }
            (rowsField, rowsValue) = ("inputs", list)
        } else {
            throw ServiceError.invalid(field: "instances", message: "required: 'instances' (rows) or 'inputs' (columnar)")
        }
        var values: [Float] = []
        for (index, row) in rowsValue.enumerated() {
            let row = row.object.flatMap { $0.count == 1 ? $0.values.first : nil } ?? row
            let before = values.count
            func flatten(_ value: JSON) throws {
                if let number = value.number { values.append(Float(number)) }
                else if let list = value.array { for item in list { try flatten(item) } }
                else { throw ServiceError.invalid(field: "\(rowsField)[\(index)]", message: "expected numbers, found \(value.brief)") }
            }
            try flatten(row)
            guard values.count - before == model.inputSize else {
                throw ServiceError.invalid(field: "\(rowsField)[\(index)]",
                                           message: "\(values.count - before) values; the model input \(model.inputShape) needs \(model.inputSize)")
            }
        }
        let outputs = try await model.predict(values, rows: rowsValue.count, raw: true, arrival: arrival)
        let width = model.outputSize
        let rows: [JSON] = (0..<rowsValue.count).map { row in
            .array(outputs[(row * width)..<((row + 1) * width)].map { .number(Double($0)) })
        }
        return rowsField == "instances" ? ["predictions": .array(rows)] : ["outputs": .array(rows)]
    }
}
