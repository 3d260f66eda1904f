import ArgumentParser
import Platform
import Server

/// `orchard serve`'s request limits: body size, slow clients, per-tenant quotas.
struct ServeLimits: ParsableArguments {
    @Option(name: .customLong("max-request-mb"), help: "Largest body of any request but a dataset upload, in MiB (413 past it).")
    var maxRequestMB = 16
    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may send nothing, mid-request included, before it is closed (0: never).")
    var idleTimeout = 30.0
    @Option(name: .customLong("rate-limit"), help: "Requests per second per tenant, sustained (0: no limit; 429 past it).")
    var rateLimit = 0.0
    @Option(name: .customLong("rate-burst"), help: "Requests a tenant may send at once (default: the rate limit, at least 1).")
    var rateBurst = 0.0
    @Option(name: .customLong("max-concurrent-inferences"), help: "Inference requests in progress per tenant (0: no limit; 429 past it).")
    var maxConcurrentInferences = 64

    func validate() throws {
        guard maxRequestMB > 0 else { throw ValidationError("--max-request-mb must be positive") }
        guard idleTimeout >= 0, rateLimit >= 0, rateBurst >= 0, maxConcurrentInferences >= 0 else {
            throw ValidationError("--idle-timeout, --rate-limit, --rate-burst and --max-concurrent-inferences cannot be negative")
        }
    }

    func apply(to configuration: inout OrchardPlatform.Configuration) {
        configuration.maxRequestBytes = maxRequestMB << 20
        configuration.limits.requestsPerSecond = rateLimit
        configuration.limits.burst = rateBurst
        configuration.limits.maxConcurrentInferences = maxConcurrentInferences
    }

    var serverOptions: OrchardServer.Options {
        var options = OrchardServer.Options()
        options.idleTimeoutSeconds = idleTimeout > 0 ? idleTimeout : nil
        return options
    }
}
