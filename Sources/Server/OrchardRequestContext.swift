import Hummingbird
import NIOCore
import Platform

/// The request context: Hummingbird's core storage plus who is calling.
public struct OrchardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` on every route but health and the OpenAPI document.
    public var principal: Principal?

    /// The connection the request arrived on; it goes inactive when the client leaves.
    public let connection: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        connection = source.channel
    }

    /// The body limit of this request, set by `BodyLimitMiddleware` (the
    /// upload limit for dataset uploads, the request limit otherwise).
    public var bodyLimit = 16 << 20

    /// What `collectBody` and JSON decoding read at most.
    public var maxUploadSize: Int { bodyLimit }

    /// The caller; routes behind `AuthMiddleware` always have one.
    func caller() throws -> Principal {
        guard let principal else { throw ServiceError.unauthenticated("missing API key: send 'Authorization: Bearer KEY'") }
        return principal
    }
}
