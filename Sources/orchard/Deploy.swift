import ArgumentParser
import Foundation
import NeuralNet

/// `orchard deploy NAME --model M [--version V]` creates a deployment;
/// without --model it updates one (version, --traffic split, --rollback,
/// sizing). `orchard deploy rm|list|show`.
struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update a deployment (a served model version), or list, show and remove deployments.",
        subcommands: [Apply.self, Remove.self, List.self, Show.self], defaultSubcommand: Apply.self)

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Create a deployment (with --model) or update one (version, traffic, rollback, sizing).")
        @Argument(help: "Deployment name (it appears in prediction URLs).") var name: String
        @Option(help: "Registered model to serve; creates the deployment.") var model: String?
        @Option(help: "Model version (default on create: the newest).") var version: Int?
        @Option(help: ArgumentHelp("Traffic split over versions, e.g. 3=90,4=10.", valueName: "version=weight,…"))
        var traffic: String?
        @Flag(help: "Go back to the previous traffic split.") var rollback = false
        @Option(help: "Model copies serving in parallel.") var replicas: Int?
        @Option(name: .customLong("max-batch-size"), help: "Largest dynamic batch.") var maxBatchSize: Int?
        @Option(name: .customLong("max-queue-delay-ms"), help: "How long a request may wait for a batch to fill.")
        var maxQueueDelayMs: Double?
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print the deployment object as one JSON line.") var json = false

        func run() async throws {
            var body: [String: JSONValue] = [:]
            if let version { body["version"] = .number(Double(version)) }
            if let traffic { body["traffic"] = try Deploy.parseTraffic(traffic) }
            if rollback { body["rollback"] = true }
            if let replicas { body["replicas"] = .number(Double(replicas)) }
            if let maxBatchSize { body["max_batch_size"] = .number(Double(maxBatchSize)) }
            if let maxQueueDelayMs { body["max_queue_delay_ms"] = .number(maxQueueDelayMs) }
            let creating = model != nil
            if creating {
                guard !rollback else { throw ValidationError("--rollback applies to an existing deployment; leave out --model") }
                body["name"] = .string(name)
                body["model"] = .string(model!)
            } else if body.isEmpty {
                throw ValidationError("give --model to create deployment '\(name)', or --version, --traffic, --rollback or sizing to update it")
            }
            let body_ = JSONValue.object(body)
            let deployment = try await client.withClient { client in
                creating ? try await client.createDeployment(body_) : try await client.updateDeployment(name, body_)
            }
            if json { return printJSONLine(deployment) }
            print("\(creating ? "Deployed" : "Updated") \(name): \(Deploy.summary(deployment))")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a deployment.")
        @Argument(help: "Deployment name.") var name: String
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print {\"deleted\": NAME} as one JSON line.") var json = false

        func run() async throws {
            try await client.withClient { try await $0.deleteDeployment(name) }
            if json { return printJSONLine(["deleted": .string(name)]) }
            print("Removed deployment \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deployments.")
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print {\"deployments\": […]} as one JSON line.") var json = false

        func run() async throws {
            let deployments = try await client.withClient { try await $0.deployments() }
            if json { return printJSONLine(["deployments": .array(deployments)]) }
            TableOutput.print(["NAME", "MODEL", "TRAFFIC", "REPLICAS", "MAX BATCH", "DELAY MS", "UPDATED"], deployments.map { d in
                [TableOutput.cell(d["name"]), TableOutput.cell(d["model"]), Deploy.traffic(d["traffic"]),
                 TableOutput.cell(d["replicas"]), TableOutput.cell(d["max_batch_size"]), TableOutput.cell(d["max_queue_delay_ms"]),
                 TableOutput.time(d["updated_at"])]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a deployment.")
        @Argument(help: "Deployment name.") var name: String
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print the deployment object as one JSON line.") var json = false

        func run() async throws {
            let deployment = try await client.withClient { try await $0.deployment(name) }
            if json { return printJSONLine(deployment) }
            print("\(name): \(Deploy.summary(deployment))")
        }
    }

    /// "3=90,4=10" → {"3": 90, "4": 10}.
    static func parseTraffic(_ text: String) throws -> JSONValue {
        var split: [String: JSONValue] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let version = Int(parts[0].trimmingCharacters(in: .whitespaces)), version > 0,
                  let weight = Int(parts[1].trimmingCharacters(in: .whitespaces)), weight >= 0 else {
                throw ValidationError("--traffic \(text): expected version=weight pairs such as 3=90,4=10")
            }
            split[String(version)] = .number(Double(weight))
        }
        guard !split.isEmpty else { throw ValidationError("--traffic: expected version=weight pairs such as 3=90,4=10") }
        return .object(split)
    }

    /// "v3 90%, v4 10%".
    static func traffic(_ value: JSONValue?) -> String {
        let split = (value?.object ?? [:]).compactMap { key, weight in Int(key).map { ($0, weight.number ?? 0) } }.sorted { $0.0 < $1.0 }
        let total = split.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return "-" }
        return split.map { "v\($0.0) \(Int((100 * $0.1 / total).rounded()))%" }.joined(separator: ", ")
    }

    static func summary(_ deployment: JSONValue) -> String {
        "model \(TableOutput.cell(deployment["model"])), traffic \(traffic(deployment["traffic"])), "
            + "\(TableOutput.cell(deployment["replicas"])) replica(s), max batch \(TableOutput.cell(deployment["max_batch_size"])), "
            + "max queue delay \(TableOutput.cell(deployment["max_queue_delay_ms"])) ms"
    }
}
