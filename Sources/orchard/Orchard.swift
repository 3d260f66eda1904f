import ArgumentParser

@main
struct Orchard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchard",
        abstract: "Machine learning and large models as a service.",
        version: OrchardVersion.current,
        subcommands: [Serve.self, Worker.self, Train.self, Evaluate.self, Predict.self, BenchInference.self, SystemInfo.self, Chat.self, Embed.self,
                      Login.self, Datasets.self, Jobs.self, Models.self, Deploy.self, Audit.self]
    )
}

enum OrchardVersion {
    static let current = "0.1.0"
}
