import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// /api/v1: tenants and keys (admin), datasets, jobs, models, deployments.
/// Each handler decodes, calls the platform, encodes.
enum ManagementRoutes {
    static func register(_ routes: APIRoutes, platform: OrchardPlatform) {
        registerTenants(routes, platform: platform)
        DatasetRoutes.register(routes, platform: platform)
        registerJobs(routes, platform: platform)
        registerModels(routes, platform: platform)
        registerDeployments(routes, platform: platform)
        registerAudit(routes, platform: platform)
    }

    /// `GET /api/v1/audit?tenant=&limit=&before=`: newest first; `next` is the
    /// `before` of the following page (null on the last one).
    static func registerAudit(_ routes: APIRoutes, platform: OrchardPlatform) {
        let audit = platform.audit
        routes.on(.get, "audit") { request, context in
            let query = request.uri.queryParameters
            let limitText = query.get("limit") ?? "100"
            guard let limit = Int(limitText) else {
                throw ServiceError.invalid(field: "limit", message: "expected an integer, found '\(limitText)'")
            }
            let events = try await audit.events(by: try context.caller(), tenantID: query.get("tenant"), limit: limit,
                                                before: query.get("before"))
            let next: JSON = events.count == limit ? events.last.map { .string($0.id) } ?? .null : .null
            return JSONResponse.make(["events": .array(events.map(\.json)), "next": next])
        }
    }

    static func registerTenants(_ routes: APIRoutes, platform: OrchardPlatform) {
        let auth = platform.auth
        routes.on(.get, "tenants") { _, context in
            JSONResponse.make(["tenants": .array(try await auth.tenants(by: try context.caller()).map(\.json))])
        }
        routes.on(.post, "tenants") { request, context in
            var request = request
            let body = try await request.decodeJSON(context: context)
            try APIFields.reject(body, allowed: ["name"])
            let tenant = try await auth.createTenant(name: try APIFields.string(body, "name"), by: try context.caller())
            return JSONResponse.make(tenant.json, status: .created)
        }
        routes.on(.post, "tenants/{id}/keys") { _, context in
            let created = try await auth.createKey(tenantID: try context.parameter("id"), by: try context.caller())
            return JSONResponse.make(["key": .string(created.key), "prefix": .string(created.record.prefix),
                                      "tenant": .string(created.record.tenantID)], status: .created)
        }
        routes.on(.get, "keys") { _, context in
            JSONResponse.make(["keys": .array(try await auth.keys(by: try context.caller()).map(\.json))])
        }
        routes.on(.delete, "keys/{prefix}") { _, context in
            try await auth.revokeKey(prefix: try context.parameter("prefix"), by: try context.caller())
            return Response(status: .noContent)
        }
    }

    static func registerJobs(_ routes: APIRoutes, platform: OrchardPlatform) {
        let jobs = platform.jobs
        routes.on(.post, "jobs") { request, context in
            var request = request
            let job = try await jobs.submit(try await request.decodeJSON(context: context), by: try context.caller())
            return JSONResponse.make(["id": .string(job.id), "status": .string(job.status.rawValue)], status: .created)
        }
        routes.on(.get, "jobs") { _, context in
            JSONResponse.make(["jobs": .array(try await jobs.list(by: try context.caller()).map(\.json))])
        }
        routes.on(.get, "jobs/{id}") { _, context in
            JSONResponse.make(try await jobs.get(id: try context.parameter("id"), by: try context.caller()).json)
        }
        routes.on(.get, "jobs/{id}/events") { request, context in
            let lastSeen = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap(Int.init) ?? 0
            let (past, live) = try await jobs.events(id: try context.parameter("id"), by: try context.caller())
            return ServerSentEvents.response(past: past, live: live, after: lastSeen)
        }
        routes.on(.get, "jobs/{id}/logs") { _, context in
            JSONResponse.text(try await jobs.logs(id: try context.parameter("id"), by: try context.caller()))
        }
        routes.on(.post, "jobs/{id}/cancel") { _, context in
            JSONResponse.make(try await jobs.cancel(id: try context.parameter("id"), by: try context.caller()).json, status: .accepted)
        }
    }

    static func registerModels(_ routes: APIRoutes, platform: OrchardPlatform) {
        let models = platform.models
        routes.on(.get, "models") { _, context in
            let list = try await models.list(by: try context.caller())
            return JSONResponse.make(["models": .array(list.map { entry in
                ["name": .string(entry.name), "latest_version": .number(Double(entry.versions.last?.version ?? 0)),
                 "versions": .array(entry.versions.map(\.summary))]
            })])
        }
        routes.on(.get, "models/{name}") { _, context in
            let name = try context.parameter("name")
            let versions = try await models.versions(name: name, by: try context.caller())
            return JSONResponse.make(["name": .string(name), "versions": .array(versions.map(\.summary))])
        }
        routes.on(.get, "models/{name}/versions/{version}") { _, context in
            JSONResponse.make(try await models.version(name: try context.parameter("name"), version: try context.parameter("version"),
                                                       by: try context.caller()).json)
        }
        routes.on(.get, "models/{name}/versions/{version}/artifact") { _, context in
            let name = try context.parameter("name"), version = try context.parameter("version")
            let tar = try await models.artifact(name: name, version: version, by: try context.caller())
            return Response(status: .ok,
                            headers: [.contentType: "application/x-tar",
                                      .contentDisposition: "attachment; filename=\"\(name)-v\(version).tar\""],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: tar)))
        }
        routes.on(.delete, "models/{name}/versions/{version}") { _, context in
            try await models.delete(name: try context.parameter("name"), version: try context.parameter("version"), by: try context.caller())
            return Response(status: .noContent)
        }
    }

    static func registerDeployments(_ routes: APIRoutes, platform: OrchardPlatform) {
        let deployments = platform.deployments
        routes.on(.post, "deployments") { request, context in
            var request = request
            let deployment = try await deployments.create(try await request.decodeJSON(context: context), by: try context.caller())
            return JSONResponse.make(deployment.json, status: .created)
        }
        routes.on(.get, "deployments") { _, context in
            JSONResponse.make(["deployments": .array(try await deployments.list(by: try context.caller()).map(\.json))])
        }
        routes.on(.get, "deployments/{name}") { _, context in
            JSONResponse.make(try await deployments.get(name: try context.parameter("name"), by: try context.caller()).json)
        }
        routes.on(.patch, "deployments/{name}") { request, context in
            var request = request
            let body = try await request.decodeJSON(context: context)
            return JSONResponse.make(try await deployments.patch(name: try context.parameter("name"), body, by: try context.caller()).json)
        }
        routes.on(.delete, "deployments/{name}") { _, context in
            try await deployments.delete(name: try context.parameter("name"), by: try context.caller())
            return Response(status: .noContent)
        }
        routes.on(.post, "deployments/{name}/predict") { request, context in
            var request = request
            let kind = try PredictBody.kind(contentType: request.headers[.contentType])
            let body = Data(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
            let model = try await deployments.route(name: try context.parameter("name"), by: try context.caller())
            switch kind {
            case .csv: return JSONResponse.make(try await CSVPrediction.predict(csv: body, model: model))
            case .png: return JSONResponse.make(try await ImagePrediction.predict(png: body, model: model))
            }
        }
    }
}

/// Field checks for small JSON bodies.
enum APIFields {
    static func reject(_ body: JSON, allowed: Set<String>) throws {
        guard let object = body.object else { throw ServiceError.invalid(field: "body", message: "expected a JSON object") }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ServiceError.invalid(field: unknown, message: "unknown field; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    static func string(_ body: JSON, _ field: String) throws -> String {
        guard let value = body[field] else { throw ServiceError.invalid(field: field, message: "required") }
        guard let text = value.string else { throw ServiceError.invalid(field: field, message: "expected a string, found \(value.brief)") }
        return text
    }
}
