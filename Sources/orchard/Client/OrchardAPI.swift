import Foundation
import NeuralNet

/// The /api/v1 routes the CLI calls, one function each; answers are the
/// server's JSON (see Sources/Server/Representations.swift).
extension ServiceClient {
    /// Checks the key with a call every valid key may make.
    func verifyKey() async throws {
        _ = try await json(.GET, "/api/v1/datasets")
    }

    // MARK: Datasets

    /// Streams `file` as the raw body of `POST /api/v1/datasets`.
    func uploadDataset(file: URL, name: String, format: String) async throws -> JSONValue {
        try await json(.POST, "/api/v1/datasets", query: [("name", name), ("format", format)],
                       body: .file(file, contentType: format == "jsonl" ? "application/x-ndjson" : "text/csv"))
    }

    func datasets() async throws -> [JSONValue] {
        try await json(.GET, "/api/v1/datasets")["datasets"]?.array ?? []
    }

    func dataset(_ id: String) async throws -> JSONValue {
        try await json(.GET, "/api/v1/datasets/\(pathComponent(id))")
    }

    func deleteDataset(_ id: String) async throws {
        _ = try await json(.DELETE, "/api/v1/datasets/\(pathComponent(id))")
    }

    // MARK: Jobs

    /// Submits a job; answers `{"id", "status"}`.
    func submitJob(_ body: JSONValue) async throws -> JSONValue {
        try await json(.POST, "/api/v1/jobs", body: .json(body))
    }

    func jobs() async throws -> [JSONValue] {
        try await json(.GET, "/api/v1/jobs")["jobs"]?.array ?? []
    }

    func job(_ id: String) async throws -> JSONValue {
        try await json(.GET, "/api/v1/jobs/\(pathComponent(id))")
    }

    func cancelJob(_ id: String) async throws -> JSONValue {
        try await json(.POST, "/api/v1/jobs/\(pathComponent(id))/cancel")
    }

    func jobLogs(_ id: String) async throws -> String {
        try await text("/api/v1/jobs/\(pathComponent(id))/logs")
    }

    func jobEvents(_ id: String, after lastEventID: Int = 0) async throws -> AsyncThrowingStream<ServerSentEvent, Error> {
        try await events("/api/v1/jobs/\(pathComponent(id))/events", lastEventID: lastEventID)
    }

    // MARK: Models

    /// One page of the audit log, newest first: {"events": […], "next": id or null}.
    func audit(tenant: String?, limit: Int, before: String?) async throws -> JSONValue {
        var query = [("limit", String(limit))]
        if let tenant { query.append(("tenant", tenant)) }
        if let before { query.append(("before", before)) }
        return try await json(.GET, "/api/v1/audit", query: query)
    }

    func models() async throws -> [JSONValue] {
        try await json(.GET, "/api/v1/models")["models"]?.array ?? []
    }

    func model(_ name: String) async throws -> JSONValue {
        try await json(.GET, "/api/v1/models/\(pathComponent(name))")
    }

    func modelVersion(_ name: String, version: Int) async throws -> JSONValue {
        try await json(.GET, "/api/v1/models/\(pathComponent(name))/versions/\(version)")
    }

    // MARK: Deployments

    func createDeployment(_ body: JSONValue) async throws -> JSONValue {
        try await json(.POST, "/api/v1/deployments", body: .json(body))
    }

    func updateDeployment(_ name: String, _ body: JSONValue) async throws -> JSONValue {
        try await json(.PATCH, "/api/v1/deployments/\(pathComponent(name))", body: .json(body))
    }

    func deployments() async throws -> [JSONValue] {
        try await json(.GET, "/api/v1/deployments")["deployments"]?.array ?? []
    }

    func deployment(_ name: String) async throws -> JSONValue {
        try await json(.GET, "/api/v1/deployments/\(pathComponent(name))")
    }

    func deleteDeployment(_ name: String) async throws {
        _ = try await json(.DELETE, "/api/v1/deployments/\(pathComponent(name))")
    }

    /// CSV rows (header and raw features) to a deployment.
    func predict(deployment: String, csv: Data) async throws -> JSONValue {
        try await json(.POST, "/api/v1/deployments/\(pathComponent(deployment))/predict", body: .data(csv, contentType: "text/csv"))
    }

    /// One PNG image to a deployment.
    func predict(deployment: String, png: Data) async throws -> JSONValue {
        try await json(.POST, "/api/v1/deployments/\(pathComponent(deployment))/predict", body: .data(png, contentType: "image/png"))
    }

    private func pathComponent(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
