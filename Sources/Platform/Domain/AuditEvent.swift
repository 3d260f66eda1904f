import Foundation

/// One entry of the audit log: who changed what through the API, or who
/// was turned away (401/403), and how the server answered.
public struct AuditEvent: Codable, Sendable, Equatable {
    public var id: String
    public var time: Date
    /// The tenant the caller acts for; nil when the key was missing or invalid.
    public var tenantID: String?
    /// The caller's key prefix (never the key); nil when unauthenticated.
    public var keyPrefix: String?
    public var admin: Bool
    public var method: String
    /// The request path, without the query.
    public var path: String
    public var status: Int
    /// The client's address as the server saw it (no port).
    public var remoteAddress: String?
    /// For refusals and errors: the message the caller got.
    public var message: String?

    public init(id: String = "aud_" + Identifiers.random(20), time: Date = Date(), tenantID: String?, keyPrefix: String?,
                admin: Bool, method: String, path: String, status: Int, remoteAddress: String? = nil, message: String? = nil) {
        self.id = id
        self.time = time
        self.tenantID = tenantID
        self.keyPrefix = keyPrefix
        self.admin = admin
        self.method = method
        self.path = path
        self.status = status
        self.remoteAddress = remoteAddress
        self.message = message
    }
}
