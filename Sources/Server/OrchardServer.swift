import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import Platform

/// Builds the Hummingbird application over a platform: auth, the one error
/// mapping, the management API, Open Inference Protocol v2, TF Serving,
/// OpenAI's API over pretrained models and the OpenAPI document. `serve` and tests share it.
public enum OrchardServer {
    public struct Built {
        public let application: Application<RouterResponder<OrchardRequestContext>>
        /// Every /api/v1 route as (method, path with {parameters}).
        public let apiRoutes: [(method: String, path: String)]
    }

    /// HTTP settings of the listener.
    public struct Options: Sendable {
        /// A connection that sends nothing for this long (also mid-request,
        /// e.g. headers then a stalled body) is closed; nil never.
        public var idleTimeoutSeconds: Double? = 30
        public init() {}
    }

    public static func build(platform: OrchardPlatform, host: String = "127.0.0.1", port: Int = 8080,
                             logger: Logger = Logger(label: "orchard.server"), options: Options = Options()) -> Built {
        let router = Router(context: OrchardRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: OpenAIErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware(uploadLimit: platform.configuration.maxUploadBytes,
                                                   requestLimit: platform.configuration.maxRequestBytes))
        router.add(middleware: AuthMiddleware(auth: platform.auth, audit: platform.audit))
        router.add(middleware: AuditMiddleware(audit: platform.audit))
        router.add(middleware: TenantLimitMiddleware(limiter: platform.limiter))
        router.get("/openapi.yaml") { _, _ in JSONResponse.text(OpenAPIDocument.yaml, contentType: "application/yaml") }
        let routes = APIRoutes(router: router)
        ManagementRoutes.register(routes, platform: platform)
        PretrainedRoutes.register(routes, platform: platform)
        routes.answerOtherMethodsWith405()
        InferenceV2Routes.register(router, platform: platform, version: platform.configuration.orchardVersion)
        OpenAIRoutes.register(router, platform: platform)
        TFServingRoutes.register(router, platform: platform)
        let idleTimeout = options.idleTimeoutSeconds.map { TimeAmount.nanoseconds(Int64($0 * 1e9)) }
        let application = Application(router: router, server: .http1(configuration: .init(additionalChannelHandlers: [ClientGoneHandler()],
                                                                                                 idleTimeout: idleTimeout)),
                                      configuration: .init(address: .hostname(host, port: port), serverName: "orchard"),
                                      logger: logger)
        return Built(application: application, apiRoutes: routes.registered)
    }
}
