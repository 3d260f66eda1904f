import Foundation
import Hummingbird
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

    public static func build(platform: OrchardPlatform, host: String = "127.0.0.1", port: Int = 8080,
                             logger: Logger = Logger(label: "orchard.server")) -> Built {
        let router = Router(context: OrchardRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: OpenAIErrorMiddleware())
        router.add(middleware: AuthMiddleware(auth: platform.auth))
        router.get("/openapi.yaml") { _, _ in JSONResponse.text(OpenAPIDocument.yaml, contentType: "application/yaml") }
        let routes = APIRoutes(router: router)
        ManagementRoutes.register(routes, platform: platform)
        PretrainedRoutes.register(routes, platform: platform)
        InferenceV2Routes.register(router, platform: platform, version: platform.configuration.orchardVersion)
        OpenAIRoutes.register(router, platform: platform)
        TFServingRoutes.register(router, platform: platform)
        let application = Application(router: router,
                                      configuration: .init(address: .hostname(host, port: port), serverName: "orchard"),
                                      logger: logger)
        return Built(application: application, apiRoutes: routes.registered)
    }
}
