import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import LargeModels
import Platform
import Server
import Testing

/// Loading, persistence and slot release of pretrained models.
@Suite(.serialized) struct PretrainedRegistryTests {
    @Test func commandLineForms() throws {
        let named = try PretrainedRegistration.parse("/models/a.Q4_1.gguf:smol", kind: .llm)
        #expect(named.name == "smol")
        #expect(named.path == "/models/a.Q4_1.gguf")
        #expect(try PretrainedRegistration.parse("/models/a.Q4_1.gguf", kind: .llm).name == "a.Q4_1")
        #expect(try PretrainedRegistration.parse("/models/all-MiniLM-L6-v2/", kind: .embeddings).name == "all-MiniLM-L6-v2")
        // A colon inside the path is not a name.
        let colon = try PretrainedRegistration.parse("/data/run:3/m.gguf", kind: .llm)
        #expect(colon.name == "m")
        #expect(colon.path == "/data/run:3/m.gguf")
        #expect(throws: ServiceError.self) { try PretrainedRegistration.parse("/m.gguf:bad name", kind: .llm) }
    }

    @Test func aBrokenFileStopsTheStartNamingFileAndProblem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.gguf")
        try Data("GGUF\u{3}\u{0}\u{0}\u{0}truncated".utf8).write(to: broken)
        let service = try await TestService.pretrained()
        do {
            try await service.platform.pretrained.loadCommandLine([PretrainedRegistration(name: "broken", kind: .llm, path: broken.path)])
            Issue.record("a truncated GGUF file loaded")
        } catch let error as PretrainedError {
            guard case .loadFailed(let name, let path, let problem) = error else { Issue.record("\(error)"); return }
            #expect(name == "broken")
            #expect(path == broken.path)
            #expect(!problem.isEmpty)
            #expect(error.description.contains(broken.path))
        }
        do {
            try await service.platform.pretrained.loadCommandLine([PretrainedRegistration(name: "gone", kind: .embeddings, path: "/no/such/dir")])
            Issue.record("a missing folder loaded")
        } catch let error as PretrainedError {
            #expect(error.description.contains("/no/such/dir"))
            #expect(error.description.contains("no such file or folder"))
        }
        await service.stop()
    }

    @Test(.enabled(if: PretrainedAssets.available, PretrainedAssets.missing))
    func registrationsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Served through a link that is removed before the restart, to see a file break between two starts.
        let link = directory.appendingPathComponent("minilm-link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: PretrainedAssets.miniLM)

        let first = try await TestService.pretrained(sqlite: true, directory: directory)
        var tenantID = ""
        try await first.application.test(.router) { client in
            tenantID = try await first.tenantWithID("keeper", client: client).id
            for (name, path) in [("kept", PretrainedAssets.miniLM), ("fragile", link.path)] {
                let created = try await client.call(.post, "/api/v1/pretrained", key: TestService.adminKey, json: [
                    "name": .string(name), "kind": "embeddings", "path": .string(path), "tenants": [.string(tenantID)],
                ])
                #expect(created.status == .created, "\(created.text)")
            }
        }
        await first.platform.shutdown()
        try FileManager.default.removeItem(at: link)

        let second = try await TestService.pretrained(sqlite: true, directory: directory)
        let problems = try await second.platform.pretrained.restore()
        #expect(problems.count == 1)
        #expect(problems.first?.contains(link.path) == true)
        try await second.application.test(.router) { client in
            let list = try await client.call(.get, "/api/v1/pretrained", key: TestService.adminKey).json["pretrained"]?.array ?? []
            #expect(list.compactMap { $0["name"]?.string } == ["kept", "fragile"])
            #expect(list.first?["status"]?.string == "loaded")
            #expect(list.first?["tenants"] == [.string(tenantID)])
            #expect(list.first?["source"]?.string == "api")
            #expect(list.last?["status"]?.string == "failed")
            #expect(list.last?["error"]?.string?.contains("no such file") == true)
            // The failed one is not served, and can be forgotten.
            let models = try await client.call(.get, "/v1/models", key: TestService.adminKey).json["data"]?.array ?? []
            #expect(models.compactMap { $0["id"]?.string } == ["kept"])
            #expect(try await client.call(.delete, "/api/v1/pretrained/fragile", key: TestService.adminKey).status == .noContent)
        }
        #expect(try await second.platform.store.pretrainedRegistrations().map(\.name) == ["kept"])
        await second.platform.shutdown()
    }

    @Test(.enabled(if: PretrainedAssets.available, PretrainedAssets.missing))
    func aClientLeavingMidStreamFreesItsSlot() async throws {
        let service = try await TestService.pretrained(parallel: 1, contextLength: 4096)
        try await service.platform.pretrained.loadCommandLine([PretrainedRegistration(name: "smol", kind: .llm, path: PretrainedAssets.smolLM2)])
        let model = try service.platform.pretrained.languageModel("smol", for: PretrainedAssets.admin)
        try await service.application.test(.live) { client in
            let key = try await service.tenant("leaver", client: client)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port!)/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            request.headers.add(name: "Content-Type", value: "application/json")
            // Without the client leaving this runs to the context limit (thousands of tokens).
            let body: JSON = ["model": "smol", "stream": true, "ignore_eos": true, "max_tokens": 100_000,
                              "messages": [["role": "user", "content": "Count from one to one thousand."]]]
            request.body = .bytes(ByteBuffer(bytes: body.serialized()))
            let response = try await http.execute(request, timeout: .seconds(60))
            #expect(response.status == .ok)
            var received = ""
            for try await chunk in response.body {
                received += String(buffer: chunk)
                if received.components(separatedBy: "\"content\"").count > 3 { break }
            }
            #expect(model.scheduler.load.active == 1)
            try await http.shutdown()
            // The slot is free well before the generation could have finished.
            let deadline = Date().addingTimeInterval(5)
            while model.scheduler.load.active > 0, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            #expect(model.scheduler.load.active == 0)
            #expect(model.scheduler.load.waiting == 0)
        }
        await service.stop()
    }
}
