import Foundation

/// Run-time registrations of pretrained models, one document each, keyed by
/// name. The document storage needs no schema change for a new collection,
/// so both backends (memory, SQL) hold them as they hold everything else.
extension MetadataStore {
    static let pretrainedCollection = "pretrained_models"

    /// Fails with 409 when the name is taken.
    public func createPretrained(_ registration: PretrainedRegistration) async throws {
        try await storage.transaction { tx in
            if try await tx.get(MetadataStore.pretrainedCollection, key: registration.name) != nil {
                throw ServiceError.conflict("a pretrained model named '\(registration.name)' is already registered")
            }
            try await write(registration, MetadataStore.pretrainedCollection, registration.name, partition: "all", in: tx)
        }
    }

    /// In registration order.
    public func pretrainedRegistrations() async throws -> [PretrainedRegistration] {
        try await storage.transaction { try await all(PretrainedRegistration.self, MetadataStore.pretrainedCollection, partition: nil, in: $0) }
    }

    /// Whether one was there.
    @discardableResult
    public func deletePretrained(name: String) async throws -> Bool {
        try await storage.transaction { try await $0.delete(MetadataStore.pretrainedCollection, key: name) }
    }
}
