import ArgumentParser
import Foundation
import NeuralNet

/// `orchard models list|show` against a server's model registry.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List registered models and show their versions.",
        subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List models with their latest version's metrics.")
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print {\"models\": […]} as one JSON line.") var json = false

        func run() async throws {
            let models = try await client.withClient { try await $0.models() }
            if json { return printJSONLine(["models": .array(models)]) }
            TableOutput.print(["NAME", "VERSIONS", "LATEST", "ACCURACY", "LOSS", "CREATED"], models.map { model in
                let latest = model["versions"]?.array?.last
                return [TableOutput.cell(model["name"]), String(model["versions"]?.array?.count ?? 0),
                        TableOutput.cell(model["latest_version"]), Models.metric(latest, "accuracy"), Models.metric(latest, "loss"),
                        TableOutput.time(latest?["created_at"])]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model's versions, or one version's spec, metrics and lineage.")
        @Argument(help: "Model name.") var name: String
        @Option(help: "One version in detail.") var version: Int?
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print the answer as one JSON line.") var json = false

        func run() async throws {
            if let version {
                let detail = try await client.withClient { try await $0.modelVersion(name, version: version) }
                if json { return printJSONLine(detail) }
                print("\(name) version \(version), created \(TableOutput.time(detail["created_at"]))")
                if let lineage = detail["lineage"] {
                    print(TableOutput.fields(lineage, order: ["job", "dataset", "dataset_sha256", "seed", "orchard_version"]),
                          terminator: "")
                }
                let layers = detail["spec"]?["config"]?["layers"]?.array?.compactMap { $0["class_name"]?.string } ?? []
                if !layers.isEmpty { print("layers: " + layers.joined(separator: " → ")) }
                Jobs.printMetrics(detail["metrics"])
                return
            }
            let model = try await client.withClient { try await $0.model(name) }
            if json { return printJSONLine(model) }
            let versions = model["versions"]?.array ?? []
            TableOutput.print(["VERSION", "ACCURACY", "LOSS", "EVALUATED ON", "CREATED"], versions.map { version in
                [TableOutput.cell(version["version"]), Models.metric(version, "accuracy"), Models.metric(version, "loss"),
                 TableOutput.cell(version["metrics"]?["evaluated_on"]), TableOutput.time(version["created_at"])]
            })
        }
    }

    static func metric(_ version: JSONValue?, _ name: String) -> String {
        version?["metrics"]?[name]?.number.map { String(format: "%.4f", $0) } ?? "-"
    }
}
