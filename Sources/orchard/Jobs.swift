import ArgumentParser
import Foundation
import NeuralNet

/// `orchard jobs list|show|cancel|logs` against a server.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, cancel and follow training jobs on an Orchard server.",
        subcommands: [List.self, Show.self, Cancel.self, Logs.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs.")
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print {\"jobs\": […]} as one JSON line.") var json = false

        func run() async throws {
            let jobs = try await client.withClient { try await $0.jobs() }
            if json { return printJSONLine(["jobs": .array(jobs)]) }
            TableOutput.print(["ID", "STATUS", "PROGRESS", "MODEL", "DATASET", "CREATED"], jobs.map { job in
                [TableOutput.cell(job["id"]), TableOutput.cell(job["status"]), Jobs.percent(job["progress"]),
                 Jobs.modelName(job), TableOutput.cell(job["dataset"]), TableOutput.time(job["created_at"])]
            })
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job: status, history and metrics.")
        @Argument(help: "Job id (job_…).") var id: String
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print the job object as one JSON line.") var json = false

        func run() async throws {
            let job = try await client.withClient { try await $0.job(id) }
            if json { return printJSONLine(job) }
            Jobs.show(job)
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job (a running one stops after its current batch).")
        @Argument(help: "Job id (job_…).") var id: String
        @OptionGroup var client: ClientOptions
        @Flag(help: "Print the job object as one JSON line.") var json = false

        func run() async throws {
            let job = try await client.withClient { try await $0.cancelJob(id) }
            if json { return printJSONLine(job) }
            let status = job["status"]?.string ?? "?"
            print(status == "cancelled" ? "Cancelled job \(id)" : "Asked job \(id) to stop (status: \(status))")
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a job's log; --follow draws its progress until it ends.")
        @Argument(help: "Job id (job_…).") var id: String
        @Flag(name: .shortAndLong, help: "Follow the job's events (progress bar) until it ends.") var follow = false
        @OptionGroup var client: ClientOptions
        @Flag(help: "With --follow: print the final job object as one JSON line (progress goes to standard error).")
        var json = false

        func run() async throws {
            try await client.withClient { client in
                guard follow else {
                    print(try await client.jobLogs(id), terminator: "")
                    return
                }
                DetachOnInterrupt.install(jobID: id)
                let output: FileHandle = json ? .standardError : .standardOutput
                let bar = json ? ProgressBar(output: .standardError, interactive: false) : ProgressBar()
                let job = try await JobFollower(client: client, jobID: id, bar: bar, output: output, batchSize: nil, verbose: true)
                    .follow()
                if json { printJSONLine(job) } else { Jobs.printOutcome(job) }
                if job["status"]?.string != "succeeded" { throw ExitCode.failure }
            }
        }
    }

    static func percent(_ value: JSONValue?) -> String {
        guard let fraction = value?.number else { return "-" }
        return String(format: "%.0f%%", fraction * 100)
    }

    static func modelName(_ job: JSONValue) -> String {
        if let name = job["model"]?["name"]?.string, let version = job["model"]?["version"]?.int { return "\(name) v\(version)" }
        return TableOutput.cell(job["register_as"])
    }

    static func show(_ job: JSONValue) {
        var fields = job.object ?? [:]
        if job["model"]?.object != nil { fields["model"] = .string(modelName(job)) }
        print(TableOutput.fields(.object(fields), order: ["id", "status", "progress", "model", "dataset", "register_as", "epochs",
                                                          "attempts", "error", "created_at", "started_at", "finished_at"]),
              terminator: "")
        let history = job["history"]?.array ?? []
        if !history.isEmpty {
            let keys = Set(history.flatMap { $0.object?.keys.map { $0 } ?? [] }).subtracting(["epoch", "seconds"]).sorted()
            print()
            TableOutput.print(["EPOCH", "SECONDS"] + keys.map { $0.uppercased() }, history.map { record in
                [TableOutput.cell(record["epoch"]), String(format: "%.1f", record["seconds"]?.number ?? 0)]
                    + keys.map { key in record[key]?.number.map { String(format: "%.4f", $0) } ?? "-" }
            })
        }
        printMetrics(job["metrics"])
    }

    /// Scalar metrics, then per-class precision/recall/F1 when present.
    static func printMetrics(_ metrics: JSONValue?) {
        guard let object = metrics?.object, !object.isEmpty else { return }
        let where_ = object["evaluated_on"]?.string.map { " (on \($0))" } ?? ""
        print("\nMetrics\(where_):")
        for key in object.keys.sorted() {
            if let number = object[key]?.number {
                print("  \(key): " + (number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(format: "%.4f", number)))
            }
        }
        if let perClass = object["per_class"]?.array, !perClass.isEmpty, perClass.count <= 50 {
            print()
            TableOutput.print(["CLASS", "PRECISION", "RECALL", "F1", "SUPPORT"], perClass.map { row in
                [TableOutput.cell(row["class"])] + ["precision", "recall", "f1"].map { String(format: "%.4f", row[$0]?.number ?? 0) }
                    + [TableOutput.cell(row["support"])]
            })
        }
    }

    /// After following a job: its outcome and metrics.
    static func printOutcome(_ job: JSONValue) {
        let id = TableOutput.cell(job["id"])
        switch job["status"]?.string {
        case "succeeded":
            print("Job \(id) succeeded: registered \(modelName(job))")
            printMetrics(job["metrics"])
        case "failed":
            print("Job \(id) failed: \(job["error"]?.string ?? "no reason given")")
        case let status:
            print("Job \(id) \(status ?? "ended")")
        }
    }
}
