import Foundation
import NeuralNet

/// Registered model versions, per tenant and name.
public struct ModelRegistry: Sendable {
    let store: MetadataStore
    let artifacts: any ArtifactStore

    /// Model names with their versions (oldest first).
    public func list(by principal: Principal) async throws -> [(name: String, versions: [ModelVersion])] {
        let all = try await store.modelVersions(tenantID: principal.tenantID)
        var order: [String] = []
        var byName: [String: [ModelVersion]] = [:]
        for version in all {
            if byName[version.name] == nil { order.append(version.name) }
            byName[version.name, default: []].append(version)
        }
        return order.map { ($0, byName[$0]!.sorted { $0.version < $1.version }) }
    }

    public func versions(name: String, by principal: Principal) async throws -> [ModelVersion] {
        let versions = try await store.modelVersions(tenantID: principal.tenantID, name: name).sorted { $0.version < $1.version }
        guard !versions.isEmpty else { throw ServiceError.notFound(kind: "model", id: name) }
        return versions
    }

    public func version(name: String, version: String, by principal: Principal) async throws -> ModelVersion {
        guard let number = Int(version), number > 0,
              let found = try await store.modelVersion(tenantID: principal.tenantID, name: name, version: number) else {
            throw ServiceError.notFound(kind: "model version", id: "\(name)/\(version)")
        }
        return found
    }

    /// The saved-model directory as a tar archive (`NAME-vN/model.json`, …).
    public func artifact(name: String, version: String, by principal: Principal) async throws -> Data {
        let found = try await self.version(name: name, version: version, by: principal)
        let folder = "\(found.name)-v\(found.version)"
        return try TarWriter.archive(try found.files.sorted { $0.key < $1.key }.map { file, sha256 in
            (name: "\(folder)/\(file)", contents: try artifacts.data(for: sha256))
        })
    }

    public func delete(name: String, version: String, by principal: Principal) async throws {
        guard let number = Int(version) else { throw ServiceError.notFound(kind: "model version", id: "\(name)/\(version)") }
        try await store.deleteModelVersion(tenantID: principal.tenantID, name: name, version: number)
    }
}
