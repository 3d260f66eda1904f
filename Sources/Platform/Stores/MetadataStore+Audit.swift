import Foundation

/// The audit log: one document per event, partitioned by tenant
/// ("-" for callers without a valid key), read newest first.
extension MetadataStore {
    static let auditCollection = "audit_events"
    static let unauthenticatedPartition = "-"

    public func appendAudit(_ event: AuditEvent) async throws {
        try await storage.transaction { tx in
            try await write(event, Self.auditCollection, event.id, partition: event.tenantID ?? Self.unauthenticatedPartition, in: tx)
        }
    }

    /// Newest first: one tenant's events (or every tenant's, nil), at most
    /// `limit`, older than the event `before` when given.
    public func auditEvents(tenantID: String?, limit: Int, before: String? = nil) async throws -> [AuditEvent] {
        try await storage.transaction { tx in
            try await tx.latest(Self.auditCollection, partition: tenantID, limit: limit, before: before)
                .map { try MetadataStore.decoder.decode(AuditEvent.self, from: $0) }
        }
    }
}
