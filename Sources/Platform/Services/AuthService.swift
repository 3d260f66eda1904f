import Crypto
import Foundation

/// API keys and tenants: keys are random, shown once, stored as SHA-256
/// hashes, listed by prefix and revocable. Admin keys manage tenants and keys.
public struct AuthService: Sendable {
    public let store: MetadataStore
    /// Keys looked up recently: most requests authenticate without the database.
    let cache: KeyCache

    /// `cacheSeconds`: how long a looked-up key is trusted without asking the
    /// store again (a key revoked through another process stops working
    /// within this time; revoked through this one, at once).
    public init(store: MetadataStore, cacheSeconds: Double = 5) {
        self.store = store
        cache = KeyCache(seconds: cacheSeconds)
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    /// Characters of a key shown when listing it ("ork_" and 8 more).
    public static let prefixLength = 12

    /// "ork_" and 40 random base-62 characters (238 bits).
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return "ork_" + String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    public static func hash(_ key: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(key.utf8)) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func prefix(of key: String) -> String { String(key.prefix(prefixLength)) }

    /// The principal for an `Authorization` header value; 401 otherwise.
    public func authenticate(authorization: String?) async throws -> Principal {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw ServiceError.unauthenticated("missing API key: send 'Authorization: Bearer KEY'")
        }
        let key = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw ServiceError.unauthenticated("invalid or revoked API key") }
        let hash = AuthService.hash(key)
        if let principal = cache.principal(hash: hash) { return principal }
        guard let stored = try await store.key(hash: hash), stored.revokedAt == nil else {
            throw ServiceError.unauthenticated("invalid or revoked API key")
        }
        let principal = Principal(tenantID: stored.tenantID, isAdmin: stored.isAdmin, keyPrefix: stored.prefix)
        cache.remember(principal, hash: hash)
        return principal
    }

    /// At start: makes sure an admin key exists. With `presetKey` (from
    /// ORCHARD_ADMIN_KEY) that key is registered; otherwise a new one is made
    /// when none exists. Returns a key created now, to print once.
    public func bootstrapAdmin(presetKey: String?) async throws -> String? {
        if try await store.tenant(id: Tenant.adminID) == nil {
            try await store.createTenant(Tenant(id: Tenant.adminID, name: "admin"))
        }
        if let presetKey, !presetKey.isEmpty {
            if try await store.key(hash: AuthService.hash(presetKey)) == nil {
                try await store.createKey(APIKey(prefix: AuthService.prefix(of: presetKey), hash: AuthService.hash(presetKey),
                                                 tenantID: Tenant.adminID, isAdmin: true))
            }
            return nil
        }
        let admins = try await store.keys(tenantID: Tenant.adminID).filter { $0.isAdmin && $0.revokedAt == nil }
        guard admins.isEmpty else { return nil }
        let key = AuthService.newKey()
        try await store.createKey(APIKey(prefix: AuthService.prefix(of: key), hash: AuthService.hash(key),
                                         tenantID: Tenant.adminID, isAdmin: true))
        return key
    }

    static func requireAdmin(_ principal: Principal) throws {
        guard principal.isAdmin else { throw ServiceError.forbidden("this route needs an admin key") }
    }

    public func createTenant(name: String, by principal: Principal) async throws -> Tenant {
        try AuthService.requireAdmin(principal)
        try ResourceName.validate(name, field: "name")
        let tenant = Tenant(id: "t_" + Identifiers.random(12), name: name)
        try await store.createTenant(tenant)
        return tenant
    }

    public func tenants(by principal: Principal) async throws -> [Tenant] {
        try AuthService.requireAdmin(principal)
        return try await store.tenants()
    }

    /// A new key for a tenant; the only time the key is returned.
    /// A new key for a tenant; keys of the admin tenant (`Tenant.adminID`) are admin keys.
    public func createKey(tenantID: String, by principal: Principal) async throws -> (key: String, record: APIKey) {
        try AuthService.requireAdmin(principal)
        guard try await store.tenant(id: tenantID) != nil else { throw ServiceError.notFound(kind: "tenant", id: tenantID) }
        let key = AuthService.newKey()
        let record = APIKey(prefix: AuthService.prefix(of: key), hash: AuthService.hash(key), tenantID: tenantID,
                            isAdmin: tenantID == Tenant.adminID)
        try await store.createKey(record)
        return (key, record)
    }

    public func keys(by principal: Principal) async throws -> [APIKey] {
        try AuthService.requireAdmin(principal)
        return try await store.keys()
    }

    public func revokeKey(prefix: String, by principal: Principal) async throws {
        try AuthService.requireAdmin(principal)
        cache.forget()
        guard try await store.revokeKeys(prefix: prefix) > 0 else { throw ServiceError.notFound(kind: "key", id: prefix) }
        cache.forget()  // and any lookup that raced with the revocation
    }
}

/// Random identifiers for records ("ds_…", "job_…").
public enum Identifiers {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    public static func random(_ length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

/// Principals of recently authenticated keys, by key hash, for a few
/// seconds; bounded (cleared when full). Only valid keys are kept.
final class KeyCache: @unchecked Sendable {
    let seconds: Double
    static let capacity = 10_000
    private let lock = NSLock()
    private var entries: [String: (principal: Principal, expires: Double)] = [:]

    init(seconds: Double) { self.seconds = seconds }

    func principal(hash: String, now: Double = ProcessInfo.processInfo.systemUptime) -> Principal? {
        guard seconds > 0 else { return nil }
        return lock.withLock {
            guard let entry = entries[hash] else { return nil }
            guard entry.expires > now else {
                entries[hash] = nil
                return nil
            }
            return entry.principal
        }
    }

    func remember(_ principal: Principal, hash: String, now: Double = ProcessInfo.processInfo.systemUptime) {
        guard seconds > 0 else { return }
        lock.withLock {
            if entries.count >= KeyCache.capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = (principal, now + seconds)
        }
    }

    func forget() { lock.withLock { entries.removeAll() } }
}
