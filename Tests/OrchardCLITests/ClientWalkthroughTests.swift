import Foundation
import ImageIO
import NeuralNet
import Testing
@testable import orchard

/// The client commands and functions against a live in-process server:
/// login, datasets, train (command and follower), jobs, models, deploy, predict.
@Suite(.serialized) struct ClientWalkthroughTests {
    @Test func loginUploadTrainDeployPredict() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try await LiveService.run { server, key in
            // login: a wrong key is refused and nothing is saved; the right one is saved 0600.
            let credentials = CredentialsFile(url: scratch.directory.appendingPathComponent("config/orchard/credentials.json"))
            let refused = await #expect(throws: ServiceClientError.self) {
                try await Login.login(Connection(server: server, apiKey: "ork_wrongwrongwrong"), saveTo: credentials)
            }
            if case .server(let status, let message, _)? = refused { #expect(status == 401, "\(message)") } else {
                Issue.record("expected a 401, got \(String(describing: refused))")
            }
            #expect(try credentials.load() == nil)
            try await Login.login(Connection(server: server + "/", apiKey: key), saveTo: credentials)
            #expect(try credentials.load() == .init(server: server + "/", apiKey: key))
            let mode = try FileManager.default.attributesOfItem(atPath: credentials.url.path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let resolved = try Connection.resolve(server: nil, apiKey: nil, environment: [:], credentials: credentials)
            #expect(resolved == Connection(server: server, apiKey: key))

            let csvPath = try scratch.write("quad.csv", CLIFixtures.imagesCSV)
            let specPath = try scratch.write("quad_spec.json", CLIFixtures.imageSpec)
            let connection = resolved
            try await ServiceClient.with(connection) { client in
                // datasets upload / list / show
                let dataset = try await client.uploadDataset(file: URL(fileURLWithPath: csvPath), name: "quad", format: "csv")
                let datasetID = try #require(dataset["id"]?.string)
                #expect(dataset["rows"]?.int == 48)
                #expect(dataset["schema"]?.array?.compactMap { $0["name"]?.string } == ["p1", "p2", "p3", "p4", "label"])
                #expect(try await client.datasets().compactMap { $0["id"]?.string } == [datasetID])
                #expect(try await client.dataset(datasetID)["sha256"] == dataset["sha256"])

                // train --server: the command uploads the local file itself, follows the job and returns when it succeeded.
                let train = try Train.parse([
                    "--server", server, "--api-key", key, "--model", specPath, "--data", csvPath, "--target", "label",
                    "--epochs", "2", "--batch-size", "8", "--learning-rate", "0.01", "--rescale", "0.00392156862745098",
                    "--seed", "7", "--register-as", "quad", "--json",
                ])
                try await train.run()
                let firstJobs = try await client.jobs()
                #expect(firstJobs.count == 1)
                #expect(firstJobs.first?["status"]?.string == "succeeded")
                #expect(firstJobs.first?["model"]?["version"]?.int == 1)
                #expect(try await client.datasets().count == 2, "the command uploaded the file as a second dataset")

                // The follower draws the Keras bar from the job's events (48 rows / batch 8 = 6 steps).
                var body = try train.jobBody(modelPath: specPath, target: "label")
                body["dataset"] = .string(datasetID)
                let submitted = try await client.submitJob(.object(body))
                let jobID = try #require(submitted["id"]?.string)
                let barPath = scratch.path("bar.txt")
                _ = FileManager.default.createFile(atPath: barPath, contents: nil)
                let barFile = try FileHandle(forWritingTo: URL(fileURLWithPath: barPath))
                let follower = JobFollower(client: client, jobID: jobID, bar: ProgressBar(output: barFile, interactive: true),
                                           output: barFile, batchSize: 8)
                let job = try await follower.follow()
                try barFile.close()
                #expect(job["status"]?.string == "succeeded")
                #expect(job["model"]?["version"]?.int == 2)
                let drawn = try String(contentsOfFile: barPath, encoding: .utf8)
                #expect(drawn.contains("Epoch 1/2\n"), "\(drawn)")
                #expect(drawn.contains("Epoch 2/2\n"), "\(drawn)")
                #expect(drawn.contains("6/6 ━━━━━━━━━━━━━━━━━━━━"), "\(drawn)")
                #expect(drawn.contains(" - accuracy: "), "\(drawn)")
                #expect(drawn.contains(" samples/s"), "\(drawn)")

                // jobs list / show / logs / cancel
                #expect(try await client.jobs().count == 2)
                #expect(try await client.job(jobID)["history"]?.array?.count == 2)
                let logs = try await client.jobLogs(jobID)
                #expect(logs.contains("epoch 1:") && logs.contains("registered quad version 2"), "\(logs)")
                let cancel = await #expect(throws: ServiceClientError.self) { _ = try await client.cancelJob(jobID) }
                if case .server(let status, _, _)? = cancel { #expect(status == 409) }

                // models list / show
                let models = try await client.models()
                #expect(models.compactMap { $0["name"]?.string } == ["quad"])
                #expect(try await client.model("quad")["versions"]?.array?.count == 2)
                #expect(try await client.modelVersion("quad", version: 2)["lineage"]?["job"]?.string == jobID)

                // deploy (create, then a traffic split), through the command.
                let deploy = try Deploy.parseAsRoot(["quad", "--model", "quad", "--version", "1", "--max-queue-delay-ms", "1",
                                                     "--server", server, "--api-key", key, "--json"]) as! Deploy.Apply
                try await deploy.run()
                let split = try Deploy.parseAsRoot(["apply", "quad", "--traffic", "1=50,2=50", "--server", server, "--api-key", key])
                    as! Deploy.Apply
                try await split.run()
                let deployment = try await client.deployment("quad")
                #expect(deployment["traffic"] == ["1": 50, "2": 50])

                // predict: a PNG and CSV rows of the same pixels agree (either version answers; pin one first).
                _ = try await client.updateDeployment("quad", ["traffic": ["2": 100]])
                let png = try PNGEncoder.encode(Image(width: 2, height: 2, channels: 1, maxValue: 255, samples: [250, 240, 5, 20]))
                let fromImage = try await client.predict(deployment: "quad", png: Data(png))
                let fromRows = try await client.predict(deployment: "quad", csv: Data("p1,p2,p3,p4\n250,240,5,20\n".utf8))
                #expect(fromImage["predictions"]?.array?.count == 1)
                #expect(fromImage["predictions"] == fromRows["predictions"])
                #expect(fromImage["version"]?.int == 2)
                let imagePath = try scratch.write("digit.png", Data(png))
                let predict = try Predict.parse(["quad", "--image", imagePath, "--server", server, "--api-key", key, "--json"])
                try await predict.run()

                // Server errors arrive as one message with the status.
                let missing = await #expect(throws: ServiceClientError.self) {
                    _ = try await client.predict(deployment: "nope", csv: Data("p1\n1\n".utf8))
                }
                #expect(missing?.description == "deployment 'nope' not found (HTTP 404)")
                let garbage = await #expect(throws: ServiceClientError.self) {
                    _ = try await client.predict(deployment: "quad", png: Data("not a png".utf8))
                }
                #expect(garbage?.description.contains("not a PNG image") == true)

                // deploy rm, datasets rm
                let remove = try Deploy.parseAsRoot(["rm", "quad", "--server", server, "--api-key", key]) as! Deploy.Remove
                try await remove.run()
                #expect(try await client.deployments().isEmpty)
                try await client.deleteDataset(datasetID)
                let gone = await #expect(throws: ServiceClientError.self) { _ = try await client.dataset(datasetID) }
                if case .server(let status, _, _)? = gone { #expect(status == 404) }

                // audit: the changes above, newest first (the 404 read is not one)
                let page = try await client.audit(tenant: nil, limit: 3, before: nil)
                let newest = page["events"]?.array ?? []
                #expect(newest.count == 3)
                #expect(newest.prefix(2).map { "\($0["method"]?.string ?? "") \($0["path"]?.string ?? "") \($0["status"]?.int ?? 0)" }
                        == ["DELETE /api/v1/datasets/\(datasetID) 204", "DELETE /api/v1/deployments/quad 204"])
                #expect(page["next"]?.string == newest.last?["id"]?.string)
                let older = try await client.audit(tenant: nil, limit: 1000, before: page["next"]?.string)
                #expect(older["events"]?.array?.contains { $0["path"]?.string == "/api/v1/datasets" && $0["status"]?.int == 201 } == true)
                try await Audit.parse(["--server", server, "--api-key", key, "--limit", "5"]).run()
            }
        }
    }

    @Test func estimatorTrainsOnTheServer() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try await LiveService.run { server, key in
            let csvPath = try scratch.write("quad.csv", CLIFixtures.imagesCSV)
            let train = try Train.parse([
                "--server", server, "--api-key", key, "--estimator", "decision_tree", "--param", "max_depth=3",
                "--scale", "standard", "--data", csvPath, "--target", "label", "--seed", "1", "--register-as", "quad-tree", "--json",
            ])
            try await train.run()
            try await ServiceClient.with(Connection(server: server, apiKey: key)) { client in
                let jobs = try await client.jobs()
                #expect(jobs.count == 1)
                #expect(jobs.first?["status"]?.string == "succeeded", "\(jobs.first?["error"] ?? .null)")
                #expect(jobs.first?["model"]?["name"]?.string == "quad-tree")
                #expect(jobs.first?["metrics"]?["accuracy"]?.number != nil)
                let version = try await client.modelVersion("quad-tree", version: 1)
                #expect(version["spec"]?["estimator"]?["params"]?["max_depth"]?.int == 3)
                #expect(version["spec"]?["preprocessing"]?["scale"]?.string == "standard")
            }
        }
    }

    @Test func unreachableServerIsOneLine() async throws {
        // Port 9 (discard) on loopback: nothing listens there in a test environment.
        let error = await #expect(throws: ServiceClientError.self) {
            try await ServiceClient.with(Connection(server: "http://127.0.0.1:9", apiKey: "ork_x")) { try await $0.verifyKey() }
        }
        guard case .unreachable(let server, _)? = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(server == "http://127.0.0.1:9")
        #expect(error?.description.contains("connection refused") == true, "\(String(describing: error))")
        #expect(error?.description.contains("\n") == false)
    }
}
