import ArgumentParser

@main
struct Orchard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchard",
        abstract: "Machine learning and large models as a service.",
        version: OrchardVersion.current,
        subcommands: [Train.self, Evaluate.self, Predict.self, BenchInference.self, SystemInfo.self]
    )
}

enum OrchardVersion {
    static let current = "0.1.0"
}
