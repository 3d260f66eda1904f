import ArgumentParser
import Foundation
import NeuralNet

/// `orchard datasets upload|list|show|rm` against a server.
struct Datasets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload, list, show and delete datasets on an Orchard server.",
        subcommands: [Upload.self, List.self, Show.self, Remove.self])

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload a file (streamed) and show the schema the server inferred.")
        @Argument(help: "CSV or JSON Lines file.") var file: String
        @Option(help: "Dataset name (default: the file name).") var name: String?
        @Option(help: "csv, jsonl or idx (default: from the file extension, else csv).") var format: String?
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print the dataset object as one JSON line.") var json = false

        func run() async throws {
            let url = URL(fileURLWithPath: file)
            let dataset = try await client.withClient { client in
                try await client.uploadDataset(file: url, name: name ?? url.lastPathComponent,
                                               format: format ?? Datasets.format(of: url))
            }
            if json { return printJSONLine(dataset) }
            Datasets.show(dataset)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List datasets.")
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print {\"datasets\": […]} as one JSON line.") var json = false

        func run() async throws {
            let datasets = try await client.withClient { try await $0.datasets() }
            if json { return printJSONLine(["datasets": .array(datasets)]) }
            TableOutput.print(["ID", "NAME", "FORMAT", "ROWS", "COLUMNS", "SIZE", "CREATED"], datasets.map { dataset in
                [TableOutput.cell(dataset["id"]), TableOutput.cell(dataset["name"]), TableOutput.cell(dataset["format"]),
                 TableOutput.cell(dataset["rows"]), String(dataset["schema"]?.array?.count ?? 0),
                 TableOutput.size(dataset["bytes"]?.int), TableOutput.time(dataset["created_at"])]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a dataset and its schema.")
        @Argument(help: "Dataset id (ds_…).") var id: String
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print the dataset object as one JSON line.") var json = false

        func run() async throws {
            let dataset = try await client.withClient { try await $0.dataset(id) }
            if json { return printJSONLine(dataset) }
            Datasets.show(dataset)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a dataset (refused while a job uses it).")
        @Argument(help: "Dataset id (ds_…).") var id: String
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print {\"deleted\": ID} as one JSON line.") var json = false

        func run() async throws {
            try await client.withClient { try await $0.deleteDataset(id) }
            if json { return printJSONLine(["deleted": .string(id)]) }
            print("Deleted dataset \(id)")
        }
    }

    static func format(of url: URL) -> String {
        let name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return "jsonl" }
        if name.contains("-ubyte") || name.hasSuffix(".idx") { return "idx" }
        return "csv"
    }

    /// The dataset's fields, then its schema as a table.
    static func show(_ dataset: JSONValue) {
        print("Dataset \(TableOutput.cell(dataset["id"])) \"\(TableOutput.cell(dataset["name"]))\": "
              + "\(TableOutput.cell(dataset["rows"])) rows, \(dataset["schema"]?.array?.count ?? 0) columns, "
              + "\(TableOutput.cell(dataset["format"])), \(TableOutput.size(dataset["bytes"]?.int)), "
              + "sha256 \(TableOutput.cell(dataset["sha256"]).prefix(16))…")
        let schema = dataset["schema"]?.array ?? []
        // Wide data (MNIST: 785 columns) shows its first and last columns.
        let shown = schema.count > 40 ? Array(schema.prefix(20)) + [.null] + Array(schema.suffix(5)) : schema
        TableOutput.print(["COLUMN", "TYPE", "MISSING", "MIN", "MAX", "MEAN", "DISTINCT"], shown.map { column in
            if column.isNull { return ["… \(schema.count - 25) more", "", "", "", "", "", ""] }
            return [TableOutput.cell(column["name"]), TableOutput.cell(column["type"]), TableOutput.cell(column["missing"]),
                    TableOutput.cell(column["min"]), TableOutput.cell(column["max"]), TableOutput.cell(column["mean"]),
                    TableOutput.cell(column["distinct"])]
        })
        if shown.count != schema.count { print("(all \(schema.count) columns: add --json)") }
    }
}
