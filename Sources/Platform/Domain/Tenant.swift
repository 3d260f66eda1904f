import Foundation

/// A team sharing the service; every resource belongs to exactly one tenant.
/// The admin tenant (`Tenant.adminID`) owns the admin keys.
public struct Tenant: Codable, Sendable, Equatable {
    public static let adminID = "admin"

    public var id: String
    public var name: String
    public var createdAt: Date

    public init(id: String, name: String, createdAt: Date = Date()) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}
