import Foundation
import Logging

/// Records and reads the audit log. Recording never fails the request it
/// describes: a store error is logged and the request's answer stands.
public final class AuditLog: Sendable {
    let store: MetadataStore
    let logger: Logger

    /// Events per page at most.
    public static let maxPage = 1000

    public init(store: MetadataStore, logger: Logger = Logger(label: "orchard.audit")) {
        self.store = store
        self.logger = logger
    }

    public func record(_ event: AuditEvent) async {
        do {
            try await store.appendAudit(event)
        } catch {
            logger.error("audit event not stored: \(event.method) \(event.path) \(event.status): \(error)")
        }
    }

    /// A page, newest first. An admin sees every tenant's events (or one
    /// tenant's with `tenantID`, "-" for unauthenticated callers); a tenant
    /// key sees its own tenant's only, and asking for another is 403.
    public func events(by caller: Principal, tenantID: String? = nil, limit: Int = 100, before: String? = nil) async throws -> [AuditEvent] {
        guard (1...Self.maxPage).contains(limit) else {
            throw ServiceError.invalid(field: "limit", message: "must be between 1 and \(Self.maxPage), found \(limit)")
        }
        var scope = tenantID
        if !caller.isAdmin {
            if let tenantID, tenantID != caller.tenantID {
                throw ServiceError.forbidden("a tenant key reads its own tenant's audit log only")
            }
            scope = caller.tenantID
        }
        if let before, !before.hasPrefix("aud_") {
            throw ServiceError.invalid(field: "before", message: "expected an audit event id (aud_…), found '\(before)'")
        }
        return try await store.auditEvents(tenantID: scope, limit: limit, before: before)
    }
}
