import Foundation

/// A stored API key: only its SHA-256 hash and a short prefix (for listing
/// and revoking) are kept; the key itself is shown once, at creation.
public struct APIKey: Codable, Sendable, Equatable {
    public var prefix: String
    public var hash: String
    public var tenantID: String
    public var isAdmin: Bool
    public var createdAt: Date
    public var revokedAt: Date?

    public init(prefix: String, hash: String, tenantID: String, isAdmin: Bool, createdAt: Date = Date(), revokedAt: Date? = nil) {
        self.prefix = prefix
        self.hash = hash
        self.tenantID = tenantID
        self.isAdmin = isAdmin
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Who a request acts for, established by the auth middleware.
public struct Principal: Sendable, Equatable {
    public var tenantID: String
    public var isAdmin: Bool
    public var keyPrefix: String

    public init(tenantID: String, isAdmin: Bool, keyPrefix: String) {
        self.tenantID = tenantID
        self.isAdmin = isAdmin
        self.keyPrefix = keyPrefix
    }
}
