import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing
@testable import orchard

/// `orchard worker`: a process with workers and no API, on the database and
/// artifact folder of a serve node that runs none, runs the jobs posted to it.
@Suite struct WorkerCommandTests {
    @Test func aWorkerWithoutTheAPIRunsTheServeNodesJobs() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dataDir = scratch.directory.appendingPathComponent("shared")
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.workers = 0
        let apiNode = try await OrchardPlatform.open(dataDirectory: dataDir, configuration: configuration)
        _ = try await apiNode.auth.bootstrapAdmin(presetKey: LiveService.adminKey)
        apiNode.start()
        let built = OrchardServer.build(platform: apiNode, port: 0)
        let csvPath = try scratch.write("quad.csv", CLIFixtures.imagesCSV)
        let specPath = try scratch.write("quad_spec.json", CLIFixtures.imageSpec)
        try await built.application.test(.live) { client in
            let server = "http://127.0.0.1:\(try #require(client.port))"
            try await ServiceClient.with(Connection(server: server, apiKey: LiveService.adminKey)) { client in
                let dataset = try await client.uploadDataset(file: URL(fileURLWithPath: csvPath), name: "quad", format: "csv")
                let train = try Train.parse(["--server", server, "--model", specPath, "--data", csvPath, "--target", "label",
                                             "--epochs", "2", "--batch-size", "8", "--register-as", "quad"])
                var body = try train.jobBody(modelPath: specPath, target: "label")
                body["dataset"] = dataset["id"]
                let jobID = try #require(try await client.submitJob(.object(body))["id"]?.string)

                // Nothing runs it on the API node…
                try await Task.sleep(nanoseconds: 300_000_000)
                #expect(try await client.job(jobID)["status"]?.string == "queued")
                // …until a worker process joins.
                let worker = try Worker.parse(["--data-dir", dataDir.path, "--workers", "1"])
                let running = Task { try await worker.run() }
                var status = "queued"
                for _ in 0..<600 where !["succeeded", "failed", "cancelled"].contains(status) {
                    try await Task.sleep(nanoseconds: 100_000_000)
                    status = try await client.job(jobID)["status"]?.string ?? "?"
                }
                #expect(status == "succeeded")
                #expect(try await client.job(jobID)["model"]?["version"]?.int == 1)
                running.cancel()
                try await running.value   // stops when cancelled, as on SIGTERM
            }
        }
        await apiNode.shutdown()
    }
}
