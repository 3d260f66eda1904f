import Foundation
import ImageIO
import NeuralNet
import Platform
import Testing
@testable import orchard

@Suite struct ConnectionTests {
    func savedFile(_ scratch: Scratch, server: String, key: String) throws -> CredentialsFile {
        let file = CredentialsFile(url: scratch.directory.appendingPathComponent("credentials.json"))
        try file.save(.init(server: server, apiKey: key))
        return file
    }

    @Test func flagsThenEnvironmentThenLoginFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try savedFile(scratch, server: "http://saved:8080", key: "ork_saved")
        let environment = ["ORCHARD_URL": "http://env:9000/", "ORCHARD_API_KEY": "ork_env"]
        #expect(try Connection.resolve(server: "flag:1", apiKey: "ork_flag", environment: environment, credentials: file)
            == Connection(server: "http://flag:1", apiKey: "ork_flag"))
        #expect(try Connection.resolve(server: nil, apiKey: nil, environment: environment, credentials: file)
            == Connection(server: "http://env:9000", apiKey: "ork_env"))
        #expect(try Connection.resolve(server: nil, apiKey: nil, environment: [:], credentials: file)
            == Connection(server: "http://saved:8080", apiKey: "ork_saved"))
        #expect(try Connection.resolve(server: nil, apiKey: "ork_flag", environment: [:], credentials: file)
            == Connection(server: "http://saved:8080", apiKey: "ork_flag"))
        // Empty environment values count as unset.
        #expect(try Connection.resolve(server: nil, apiKey: nil, environment: ["ORCHARD_URL": "", "ORCHARD_API_KEY": ""], credentials: file)
            == Connection(server: "http://saved:8080", apiKey: "ork_saved"))
    }

    @Test func theSavedKeyGoesOnlyToTheSavedServer() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try savedFile(scratch, server: "http://saved:8080", key: "ork_saved")
        let error = #expect(throws: ServiceClientError.self) {
            try Connection.resolve(server: "http://elsewhere:8080", apiKey: nil, environment: [:], credentials: file)
        }
        #expect(error?.description.contains("no API key for http://elsewhere:8080") == true)
        #expect(try Connection.resolve(server: "saved:8080/", apiKey: nil, environment: [:], credentials: file).apiKey == "ork_saved")
    }

    @Test func withoutAnythingTheDefaultServerNeedsAKey() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let none = CredentialsFile(url: scratch.directory.appendingPathComponent("absent.json"))
        #expect(throws: ServiceClientError.self) { try Connection.resolve(server: nil, apiKey: nil, environment: [:], credentials: none) }
        #expect(try Connection.resolve(server: nil, apiKey: "k", environment: [:], credentials: none).server == Connection.defaultServer)
    }

    @Test func serverURLsAreChecked() throws {
        #expect(try Connection.normalize("127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(try Connection.normalize("https://orchard.example/") == "https://orchard.example")
        #expect(throws: ServiceClientError.self) { try Connection.normalize("ftp://host") }
        #expect(throws: ServiceClientError.self) { try Connection.normalize("http://") }
    }

    @Test func credentialsFileIsPrivateAndRewritable() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = CredentialsFile(url: scratch.directory.appendingPathComponent("deep/orchard/credentials.json"))
        try file.save(.init(server: "http://a:1", apiKey: "ork_1"))
        try file.save(.init(server: "http://b:2", apiKey: "ork_2"))
        #expect(try file.load() == .init(server: "http://b:2", apiKey: "ork_2"))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: file.url.deletingLastPathComponent().path)
        #expect((folder[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        // Only the credentials file is left in the folder (no temporary files).
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.url.deletingLastPathComponent().path) == ["credentials.json"])
        _ = try scratch.write("deep/orchard/credentials.json", "not json")
        #expect(throws: ServiceClientError.self) { try file.load() }
    }
}

@Suite struct ServerSentEventParserTests {
    @Test func eventsSplitAnywhereAreReassembled() {
        let stream = "id: 1\nevent: progress\ndata: {\"step\": 1}\n\n: a comment\r\nid: 2\r\nevent: status\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n"
        let bytes = Array(stream.utf8)
        for cut in 0...bytes.count {
            var parser = ServerSentEventParser()
            let events = parser.feed(bytes[0..<cut]) + parser.feed(bytes[cut...])
            #expect(events == [ServerSentEvent(id: 1, event: "progress", data: "{\"step\": 1}"),
                               ServerSentEvent(id: 2, event: "status", data: "{\"a\":\n1}")], "cut at \(cut)")
        }
    }

    @Test func dataWithoutEventIsAMessage() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("data:x\n\n".utf8)) == [ServerSentEvent(id: nil, event: "message", data: "x")])
        #expect(parser.feed(Array("\n\n".utf8)).isEmpty)
    }
}

@Suite struct CommandPartsTests {
    @Test func tablesAlignNumbersRight() {
        let table = TableOutput.render(["ID", "ROWS", "NAME"], [["ds_1", "5", "a"], ["ds_22", "1000", "bb"], ["ds_3", "-", "c"]])
        #expect(table == """
        ID     ROWS  NAME
        ds_1      5  a
        ds_22  1000  bb
        ds_3      -  c

        """)
    }

    @Test func cellsAndSizes() {
        #expect(TableOutput.cell(.number(3)) == "3")
        #expect(TableOutput.cell(.number(0.98765)) == "0.9877")
        #expect(TableOutput.cell(nil) == "-")
        #expect(TableOutput.size(1536) == "1.5 KiB")
        #expect(TableOutput.size(17_000_000) == "16.2 MiB")
        #expect(TableOutput.time(.string("2025-01-02T03:04:05Z")) == "2025-01-02 03:04:05")
    }

    @Test func trafficSplits() throws {
        #expect(try Deploy.parseTraffic("3=90,4=10") == ["3": 90, "4": 10])
        #expect(try Deploy.parseTraffic(" 3 = 1 ") == ["3": 1])
        for bad in ["3", "a=1", "3=-1", "0=5", "", "3=1=2"] {
            #expect(throws: Error.self, "\(bad)") { try Deploy.parseTraffic(bad) }
        }
        #expect(Deploy.traffic(["4": 10, "3": 30]) == "v3 75%, v4 25%")
    }

    @Test func registeredNameComesFromTheModelFile() {
        #expect(Train.modelName(fromPath: "bench/seed-cnn/seed_cnn.json") == "seed_cnn")
        #expect(Train.modelName(fromPath: "/tmp/my model (2).json") == "my-model--2-")
    }

    @Test func datasetFormatFromTheFileName() {
        #expect(Datasets.format(of: URL(fileURLWithPath: "a/mnist_train.csv")) == "csv")
        #expect(Datasets.format(of: URL(fileURLWithPath: "rows.JSONL")) == "jsonl")
        #expect(Datasets.format(of: URL(fileURLWithPath: "train-images-idx3-ubyte")) == "idx")
    }

    @Test func serverFlagsAreRefusedWhereTheyDoNotApply() async throws {
        let parameterAlone = try Train.parse(["--server", "http://127.0.0.1:9", "--api-key", "k", "--param", "alpha=1", "--data", "x.csv",
                                              "--model", "m.json", "--target", "y"])
        await #expect(throws: Error.self) { try await parameterAlone.run() }
        let predict = try Predict.parse(["name", "--server", "http://127.0.0.1:9", "--api-key", "k"])
        await #expect(throws: Error.self) { try await predict.run() }
        let deploy = try Deploy.parseAsRoot(["name", "--model", "m", "--traffic", "bad", "--api-key", "k"]) as! Deploy.Apply
        await #expect(throws: Error.self) { try await deploy.run() }
        let empty = try Deploy.parseAsRoot(["name", "--api-key", "k"]) as! Deploy.Apply
        await #expect(throws: Error.self) { try await empty.run() }
    }

    @Test func jobEventsDriveTheProgressBar() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.path("bar.txt")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let client = ServiceClient(Connection(server: "http://127.0.0.1:9", apiKey: "k"))
        defer { Task { await client.close() } }
        let follower = JobFollower(client: client, jobID: "job_x", bar: ProgressBar(output: handle, interactive: false), output: handle,
                                   batchSize: 32, verbose: true)
        let events: [(String, String)] = [
            ("status", #"{"status": "running", "attempt": 1}"#),
            ("progress", #"{"epoch": 1, "step": 10, "steps": 20, "progress": 0.25, "loss": 0.5}"#),
            ("progress", #"{"epoch": 1, "step": 20, "steps": 20, "progress": 0.5, "loss": 0.4}"#),
            ("epoch", #"{"epoch": 1, "seconds": 2.0, "loss": 0.4, "accuracy": 0.9, "progress": 0.5}"#),
            ("log", #"{"message": "hello"}"#),
            ("status", #"{"status": "failed", "final": true, "error": "boom"}"#),
        ]
        var finals: [Bool] = []
        for (index, (type, data)) in events.enumerated() {
            finals.append(try follower.handle(ServerSentEvent(id: index + 1, event: type, data: data)))
        }
        try handle.close()
        #expect(finals == [false, false, false, false, false, true])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == """
        status: running
        Epoch 1/1
        20/20 ━━━━━━━━━━━━━━━━━━━━ 2s 100ms/step - accuracy: 0.9000 - loss: 0.4000 - 320 samples/s
        hello
        status: failed: boom

        """)
    }
}

@Suite struct LocalImagePredictionTests {
    /// `orchard predict DIR --image x.png` on a model trained locally equals CSV rows of the same pixels.
    @Test func pngOnASavedModelDirectory() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let csvPath = try scratch.write("quad.csv", CLIFixtures.imagesCSV)
        let specPath = try scratch.write("quad_spec.json", CLIFixtures.imageSpec)
        let out = scratch.path("model")
        let train = try Train.parse(["--model", specPath, "--data", csvPath, "--target", "label", "--epochs", "2", "--batch-size", "8",
                                     "--rescale", "0.00392156862745098", "--out", out, "--json"])
        try await train.run()
        let png = try PNGEncoder.encode(Image(width: 2, height: 2, channels: 1, maxValue: 255, samples: [10, 30, 200, 220]))
        let runner = try ModelRunner(directory: URL(fileURLWithPath: out))
        let fromImage = try runner.predict(png: Data(png))
        let fromRows = try runner.predict(csvPath: try scratch.write("row.csv", "p1,p2,p3,p4\n10,30,200,220\n"))
        #expect(fromImage.shape == [1, 2])
        #expect(fromImage.values == fromRows.values)
        let imagePath = try scratch.write("x.png", Data(png))
        let predict = try Predict.parse([out, "--image", imagePath, "--json"])
        try await predict.run()
        let error = #expect(throws: ServiceError.self) { _ = try runner.predict(png: Data("GIF89a".utf8)) }
        #expect(error?.description.contains("not a PNG image") == true)
    }
}
