import Foundation
import Hummingbird
import Platform

/// /api/v1/datasets: uploads stream to the artifact store (raw body or
/// multipart/form-data), with a size limit (413) checked as bytes arrive.
enum DatasetRoutes {
    static func register(_ routes: APIRoutes, platform: OrchardPlatform) {
        let datasets = platform.datasets
        let limit = platform.configuration.maxUploadBytes
        routes.on(.post, "datasets") { request, context in
            let principal = try context.caller()
            let query = request.uri.queryParameters
            var name = query.get("name")
            var format = query.get("format") ?? "csv"
            try DatasetService.checkFormat(format)
            if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
                throw ServiceError.tooLarge(limit: limit)
            }
            let contentType = request.headers[.contentType] ?? ""
            let isMultipart = contentType.lowercased().hasPrefix("multipart/form-data")
            if !isMultipart, name?.isEmpty ?? true { throw ServiceError.invalid(field: "name", message: "required: ?name=NAME") }
            let upload = try platform.artifacts.beginUpload()
            let stored: (sha256: String, bytes: Int)
            var received = 0
            do {
                if isMultipart {
                    let part = try await streamMultipart(request.body, contentType: contentType, to: upload, limit: limit)
                    name = name ?? part.fields["name"] ?? part.filename
                    if let partFormat = part.fields["format"] {
                        try DatasetService.checkFormat(partFormat)
                        format = partFormat
                    }
                    received = part.bytes
                } else {
                    received = try await streamBody(request.body, to: upload, limit: limit)
                }
                guard received > 0 else { throw ServiceError.invalid(field: "body", message: "the upload is empty") }
                guard let name, !name.isEmpty else { throw ServiceError.invalid(field: "name", message: "required: a name field or ?name=NAME") }
                stored = try await upload.commitEnqueued()
            } catch {
                await upload.abortEnqueued()
                throw error
            }
            guard let name, !name.isEmpty else { throw ServiceError.invalid(field: "name", message: "required: ?name=NAME") }
            let dataset = try await datasets.create(name: name, format: format, sha256: stored.sha256, bytes: stored.bytes, by: principal)
            return JSONResponse.make(dataset.json, status: .created)
        }
        routes.on(.get, "datasets") { _, context in
            JSONResponse.make(["datasets": .array(try await datasets.list(by: try context.caller()).map(\.json))])
        }
        routes.on(.get, "datasets/{id}") { _, context in
            JSONResponse.make(try await datasets.get(id: try context.parameter("id"), by: try context.caller()).json)
        }
        routes.on(.get, "datasets/{id}/preview") { request, context in
            let limitText = request.uri.queryParameters.get("limit") ?? "20"
            guard let rows = Int(limitText), (0...1000).contains(rows) else {
                throw ServiceError.invalid(field: "limit", message: "expected an integer in 0...1000, found '\(limitText)'")
            }
            let preview = try await datasets.preview(id: try context.parameter("id"), limit: rows, by: try context.caller())
            return JSONResponse.make(["columns": .array(preview.columns.map { .string($0) }),
                                      "rows": .array(preview.rows.map { row in
                                          .object(Dictionary(uniqueKeysWithValues: zip(preview.columns, row).map { ($0, $1.map { .string($0) } ?? .null) }))
                                      })])
        }
        routes.on(.delete, "datasets/{id}") { _, context in
            try await datasets.delete(id: try context.parameter("id"), by: try context.caller())
            return Response(status: .noContent)
        }
    }
}

/// Streams a raw body into an upload: chunks are gathered into 1 MiB
/// writes that run on the upload's own queue while the next ones arrive;
/// 413 as soon as the limit is passed (the partial file is then dropped).
/// Returns the bytes received.
func streamBody(_ body: RequestBody, to upload: ArtifactUpload, limit: Int) async throws -> Int {
    let writeSize = 1 << 20
    var pending = Data()
    pending.reserveCapacity(writeSize)
    var total = 0
    for try await chunk in body {
        total += chunk.readableBytes
        guard total <= limit else { throw ServiceError.tooLarge(limit: limit) }
        pending.append(contentsOf: chunk.readableBytesView)
        if pending.count >= writeSize {
            try await upload.enqueue(pending)
            pending = Data()
            pending.reserveCapacity(writeSize)
        }
    }
    if !pending.isEmpty { try await upload.enqueue(pending) }
    return total
}

/// Streams the first file part of a multipart/form-data body into an
/// upload (the same 1 MiB writes as a raw body) and collects the text fields.
func streamMultipart(_ body: RequestBody, contentType: String, to upload: ArtifactUpload,
                     limit: Int) async throws -> (bytes: Int, filename: String?, fields: [String: String]) {
    var reader = try MultipartReader(contentType: contentType)
    let writeSize = 1 << 20
    var pending = Data()
    var total = 0, bytes = 0
    var filename: String?, sawFile = false
    var fields: [String: String] = [:]
    for try await chunk in body {
        total += chunk.readableBytes
        guard total <= limit else { throw ServiceError.tooLarge(limit: limit) }
        for event in try reader.feed(chunk.readableBytesView) {
            switch event {
            case .field(let name, let value): fields[name] = value
            case .fileStart(let name):
                filename = name
                sawFile = true
            case .fileData(let data):
                bytes += data.count
                pending.append(data)
                if pending.count >= writeSize {
                    try await upload.enqueue(pending)
                    pending = Data()
                }
            case .fileEnd: break
            }
        }
    }
    try reader.finish()
    if !pending.isEmpty { try await upload.enqueue(pending) }
    guard sawFile else { throw ServiceError.invalid(field: "body", message: "the multipart body has no file part") }
    return (bytes, filename, fields)
}
