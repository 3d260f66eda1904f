import ArgumentParser
import Foundation
import NeuralNet

/// `orchard audit`: the server's audit log, newest first.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the audit log: changes through the API and refused requests, newest first.",
        discussion: "An admin key sees every tenant's events (or one tenant's with --tenant; '-' for callers without a valid key); "
            + "a tenant key sees its own tenant's.")

    @Option(help: "Only this tenant's events (admin keys).") var tenant: String?
    @Option(help: "Events to show (1…1000 per page).") var limit = 50
    @Option(help: "Show the events older than this event id (a previous page's 'next').") var before: String?
    @OptionGroup var client: ClientOptions
    @Flag(help: "Print the page {\"events\": […], \"next\": …} as one JSON line.") var json = false

    func run() async throws {
        let page = try await client.withClient { try await $0.audit(tenant: tenant, limit: limit, before: before) }
        if json { return printJSONLine(page) }
        let events = page["events"]?.array ?? []
        TableOutput.print(["TIME", "TENANT", "KEY", "METHOD", "PATH", "STATUS", "FROM"], events.map { event in
            [TableOutput.time(event["time"]), TableOutput.cell(event["tenant"]), TableOutput.cell(event["key_prefix"]),
             TableOutput.cell(event["method"]), TableOutput.cell(event["path"]), TableOutput.cell(event["status"]),
             TableOutput.cell(event["remote_address"])]
        })
        if let next = page["next"]?.string { print("older: orchard audit --before \(next)" + (tenant.map { " --tenant \($0)" } ?? "")) }
    }
}
