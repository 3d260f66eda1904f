import Foundation
import Hummingbird
import Platform

/// /api/v1/pretrained (admin): register a GGUF chat model or a
/// sentence-embedding folder at run time (loaded now, persisted, loaded again
/// at the next start), list, inspect and unload them.
enum PretrainedRoutes {
    static func register(_ routes: APIRoutes, platform: OrchardPlatform) {
        let pretrained = platform.pretrained
        routes.on(.post, "pretrained") { request, context in
            var request = request
            let body = try await request.decodeJSON(context: context)
            let entry = try await pretrained.register(try registration(body), by: try context.caller())
            return JSONResponse.make(entry.json, status: .created)
        }
        routes.on(.get, "pretrained") { _, context in
            JSONResponse.make(["pretrained": .array(try pretrained.list(by: try context.caller()).map(\.json))])
        }
        routes.on(.get, "pretrained/{name}") { _, context in
            JSONResponse.make(try pretrained.get(name: try context.parameter("name"), by: try context.caller()).json)
        }
        routes.on(.delete, "pretrained/{name}") { _, context in
            try await pretrained.unload(name: try context.parameter("name"), by: try context.caller())
            return Response(status: .noContent)
        }
    }

    /// `{"name", "kind": "llm"|"embeddings", "path", "tenants"?, "parallel"?, "context_length"?}`
    static func registration(_ body: JSON) throws -> PretrainedRegistration {
        try APIFields.reject(body, allowed: ["name", "kind", "path", "tenants", "parallel", "context_length"])
        let kindText = try APIFields.string(body, "kind")
        guard let kind = PretrainedKind(rawValue: kindText) else {
            throw ServiceError.invalid(field: "kind", message: "expected 'llm' or 'embeddings', found '\(kindText)'")
        }
        var tenants: [String]?
        if let value = body["tenants"], !value.isNull {
            guard let list = value.array, list.allSatisfy({ $0.string != nil }) else {
                throw ServiceError.invalid(field: "tenants", message: "expected a list of tenant ids, found \(value.brief)")
            }
            tenants = list.compactMap(\.string)
        }
        func integer(_ field: String) throws -> Int? {
            guard let value = body[field], !value.isNull else { return nil }
            guard let number = value.int else { throw ServiceError.invalid(field: field, message: "expected an integer, found \(value.brief)") }
            return number
        }
        let path = try APIFields.string(body, "path")
        guard !path.isEmpty else { throw ServiceError.invalid(field: "path", message: "required: the model file (llm) or folder (embeddings)") }
        return PretrainedRegistration(name: try APIFields.string(body, "name"), kind: kind, path: path, tenants: tenants,
                                      parallel: try integer("parallel"), contextLength: try integer("context_length"))
    }
}

extension PretrainedModels.Entry {
    var json: JSON {
        var object: [String: JSON] = [
            "name": .string(registration.name), "kind": .string(registration.kind.rawValue), "path": .string(registration.path),
            "tenants": registration.tenants.map { .array($0.map { .string($0) }) } ?? .null,
            "source": .string(source.rawValue), "status": runtime == nil ? "failed" : "loaded",
            "error": failure.map { .string($0) } ?? .null, "created_at": registration.createdAt.iso8601,
        ]
        switch runtime {
        case .llm(let model):
            let load = model.scheduler.load
            object["parallel"] = .number(Double(model.slots))
            object["context_length"] = .number(Double(model.contextLength))
            object["weight_bytes"] = .number(Double(model.weightBytes))
            object["kv_cache_bytes_per_slot"] = .number(Double(model.kvCacheBytesPerSlot))
            object["active"] = .number(Double(load.active))
            object["waiting"] = .number(Double(load.waiting))
        case .embeddings(let model):
            object["dimension"] = .number(Double(model.dimension))
        case nil:
            break
        }
        return .object(object)
    }
}
