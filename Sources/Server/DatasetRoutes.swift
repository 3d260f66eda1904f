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
            do {
                if isMultipart {
                    let part = try await Multipart.firstFile(request: request, contentType: contentType, limit: limit)
                    name = name ?? part.fields["name"] ?? part.filename
                    if let partFormat = part.fields["format"] {
                        try DatasetService.checkFormat(partFormat)
                        format = partFormat
                    }
                    try upload.write(part.contents)
                } else {
                    for try await chunk in request.body {
                        guard upload.bytes + chunk.readableBytes <= limit else { throw ServiceError.tooLarge(limit: limit) }
                        try chunk.withUnsafeReadableBytes { try upload.write($0) }
                    }
                }
                guard upload.bytes > 0 else { throw ServiceError.invalid(field: "body", message: "the upload is empty") }
                guard let name, !name.isEmpty else { throw ServiceError.invalid(field: "name", message: "required: a name field or ?name=NAME") }
                stored = try upload.commit()
            } catch {
                upload.abort()
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

/// A minimal multipart/form-data reader: text fields and the first file part.
enum Multipart {
    struct FilePart {
        var filename: String?
        var contents: Data
        var fields: [String: String]
    }

    static func firstFile(request: Request, contentType: String, limit: Int) async throws -> FilePart {
        guard let boundaryRange = contentType.range(of: "boundary=") else {
            throw ServiceError.invalid(field: "Content-Type", message: "multipart/form-data without a boundary")
        }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw ServiceError.tooLarge(limit: limit)
        }
        let body = Data(buffer.readableBytesView)
        let delimiter = Data(("--" + boundary).utf8)
        var fields: [String: String] = [:]
        var file: (String?, Data)?
        var searchStart = body.startIndex
        var parts: [Data] = []
        while let found = body.range(of: delimiter, in: searchStart..<body.endIndex) {
            if searchStart != body.startIndex || found.lowerBound != body.startIndex {
                parts.append(body[searchStart..<found.lowerBound])
            }
            searchStart = found.upperBound
        }
        for var part in parts {
            // Each part: CRLF, headers, CRLF CRLF, contents, CRLF.
            if part.starts(with: Data("\r\n".utf8)) { part = part.dropFirst(2) }
            if part.count >= 2, part.suffix(2) == Data("\r\n".utf8) { part = part.dropLast(2) }
            guard let split = part.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let headers = String(decoding: part[part.startIndex..<split.lowerBound], as: UTF8.self)
            let contents = Data(part[split.upperBound...])
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition") }) else { continue }
            let name = attribute("name", in: String(disposition))
            if let filename = attribute("filename", in: String(disposition)) {
                if file == nil { file = (filename, contents) }
            } else if let name {
                fields[name] = String(decoding: contents, as: UTF8.self)
            }
        }
        guard let file else { throw ServiceError.invalid(field: "body", message: "the multipart body has no file part") }
        return FilePart(filename: file.0, contents: file.1, fields: fields)
    }

    static func attribute(_ name: String, in header: String) -> String? {
        guard let range = header.range(of: " \(name)=\"") ?? header.range(of: ";\(name)=\"") else { return nil }
        let rest = header[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
