import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

@Suite struct JobRoutesTests {
    @Test func jobTrainsEvaluatesRegistersAndStreamsEvents() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("trainer", client: client)
            let dataset = try await service.upload(Fixtures.classificationCSV, key: key, client: client)
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key,
                                                  json: Fixtures.jobBody(dataset: dataset, registerAs: "tiny"))
            #expect(submitted.status == .created)
            #expect(submitted.json["status"]?.string == "queued")
            let id = try #require(submitted.json["id"]?.string)
            let job = try await service.waitForJob(id, key: key, client: client)
            #expect(job["status"]?.string == "succeeded", "\(job["error"] ?? .null)")
            #expect(job["progress"]?.number == 1)
            let history = try #require(job["history"]?.array)
            #expect(history.map { $0["epoch"]?.int } == [1, 2])
            #expect(history.allSatisfy { $0["loss"]?.number != nil && $0["accuracy"]?.number != nil && $0["seconds"]?.number != nil })
            let metrics = try #require(job["metrics"])
            #expect(metrics["accuracy"]?.number != nil)
            #expect(metrics["evaluated_on"]?.string == "training_data")
            #expect(metrics["confusion_matrix"]?.array?.count == 2)
            let total = metrics["confusion_matrix"]?.array?.flatMap { $0.array ?? [] }.compactMap { $0.int }.reduce(0, +)
            #expect(total == 40)
            #expect(metrics["per_class"]?.array?.first?["f1"]?.number != nil)
            #expect(job["model"]?["name"]?.string == "tiny")
            #expect(job["model"]?["version"]?.int == 1)

            // SSE: a late client replays everything, ending with the final status.
            let events = try await client.call(.get, "/api/v1/jobs/\(id)/events", key: key)
            #expect(events.headers[.contentType] == "text/event-stream")
            let text = events.text
            #expect(text.contains("event: progress"))
            #expect(text.components(separatedBy: "event: epoch").count - 1 == 2)
            let frames = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(frames.last?.contains("event: status") == true)
            #expect(frames.last?.contains("\"succeeded\"") == true)
            // Last-Event-ID resumes after that event.
            let resumed = try await client.call(.get, "/api/v1/jobs/\(id)/events", key: key, headers: [.init("Last-Event-ID")!: "3"])
            #expect(!resumed.text.contains("id: 3\n"))
            #expect(resumed.text.contains("id: 4\n"))

            let logs = try await client.call(.get, "/api/v1/jobs/\(id)/logs", key: key)
            #expect(logs.text.contains("epoch 2"))
            #expect(logs.text.contains("registered tiny version 1"))
            #expect(try await client.call(.get, "/api/v1/jobs", key: key).json["jobs"]?.array?.count == 1)

            // Registry: versions, lineage, artifact.
            let models = try await client.call(.get, "/api/v1/models", key: key)
            #expect(models.json["models"]?.array?.first?["name"]?.string == "tiny")
            #expect(try await client.call(.get, "/api/v1/models/tiny", key: key).json["versions"]?.array?.count == 1)
            let version = try await client.call(.get, "/api/v1/models/tiny/versions/1", key: key).json
            #expect(version["lineage"]?["dataset"]?.string == dataset)
            #expect(version["lineage"]?["job"]?.string == id)
            #expect(version["lineage"]?["seed"]?.int == 7)
            #expect(version["lineage"]?["dataset_sha256"]?.string?.count == 64)
            #expect(version["spec"]?["class_name"]?.string == "Sequential")
            let artifact = try await client.call(.get, "/api/v1/models/tiny/versions/1/artifact", key: key)
            #expect(artifact.status == .ok)
            #expect(artifact.headers[.contentType] == "application/x-tar")
            #expect(artifact.body.readableBytes % 512 == 0)
            #expect(artifact.text.hasPrefix("tiny-v1/model.json"))
            #expect(try await client.call(.get, "/api/v1/models/tiny/versions/9", key: key).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/models/nothing", key: key).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/models/tiny/versions/1", key: key).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/models/tiny/versions/1", key: key).status == .notFound)
        }
        await service.stop()
    }

    @Test func eventsStreamLiveUntilTheFinalStatus() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("live", client: client)
            let dataset = try await service.upload(Fixtures.classificationCSV, key: key, client: client)
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key,
                                                  json: Fixtures.jobBody(dataset: dataset, registerAs: "follow", epochs: 30))
            let id = try #require(submitted.json["id"]?.string)
            // Connected right away: the stream follows the job and ends with it.
            let events = try await client.call(.get, "/api/v1/jobs/\(id)/events", key: key)
            let frames = events.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(frames.first?.contains("\"queued\"") == true)
            #expect(frames.filter { $0.contains("event: epoch") }.count == 30)
            #expect(frames.last?.contains("\"succeeded\"") == true)
            let ids = frames.compactMap { frame in frame.split(separator: "\n").first.flatMap { Int($0.dropFirst("id: ".count)) } }
            #expect(ids == Array(1...ids.count))
        }
        await service.stop()
    }

    @Test func unknownRoutesAnswerJSON404() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let response = try await client.call(.get, "/api/v1/nothing", key: TestService.adminKey)
            #expect(response.status == .notFound)
            #expect(response.json["error"]?.string != nil)
        }
        await service.stop()
    }

    @Test func queuedJobsHoldTheirDatasetAndCancel() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("queue", client: client)
            let dataset = try await service.upload(Fixtures.classificationCSV, key: key, client: client)
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key, json: Fixtures.jobBody(dataset: dataset, registerAs: "q"))
            let id = try #require(submitted.json["id"]?.string)
            let refused = try await client.call(.delete, "/api/v1/datasets/\(dataset)", key: key)
            #expect(refused.status == .conflict)
            #expect(refused.json["error"]?.string?.contains(id) == true)
            let cancelled = try await client.call(.post, "/api/v1/jobs/\(id)/cancel", key: key)
            #expect(cancelled.status == .accepted)
            #expect(cancelled.json["status"]?.string == "cancelled")
            #expect(try await client.call(.post, "/api/v1/jobs/\(id)/cancel", key: key).status == .conflict)
            let events = try await client.call(.get, "/api/v1/jobs/\(id)/events", key: key)
            #expect(events.text.contains("\"cancelled\""))
            #expect(try await client.call(.delete, "/api/v1/datasets/\(dataset)", key: key).status == .noContent)
        }
        await service.stop()
    }

    @Test func runningJobCancels() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("cancel", client: client)
            let dataset = try await service.upload(Fixtures.classificationCSV, key: key, client: client)
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key,
                                                  json: Fixtures.jobBody(dataset: dataset, registerAs: "long", epochs: 100_000))
            let id = try #require(submitted.json["id"]?.string)
            for _ in 0..<200 {
                if try await client.call(.get, "/api/v1/jobs/\(id)", key: key).json["status"]?.string == "running" { break }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            #expect(try await client.call(.post, "/api/v1/jobs/\(id)/cancel", key: key).status == .accepted)
            let job = try await service.waitForJob(id, key: key, client: client, timeout: 30)
            #expect(job["status"]?.string == "cancelled")
            #expect(try await client.call(.get, "/api/v1/models/long", key: key).status == .notFound)
        }
        await service.stop()
    }

    @Test(arguments: [
        ("{", "body"),
        (#"{"dataset": "DS", "target": "label", "model": {"input_shape": [2], "layers": []}, "register_as": "m", "colour": 1}"#, "colour"),
        (#"{"target": "label", "model": {}, "register_as": "m"}"#, "dataset"),
        (#"{"dataset": "DS", "target": "label", "model": {"layers": [{"type": "Nope"}], "input_shape": [2]}, "register_as": "m"}"#, "model"),
        (#"{"dataset": "DS", "target": "label", "model": {"input_shape": [2], "layers": [{"type": "Dense", "units": 2}]}, "register_as": "m", "training": {"epochs": "two"}}"#, "training.epochs"),
        (#"{"dataset": "DS", "target": "label", "model": {"input_shape": [2], "layers": [{"type": "Dense", "units": 2}]}, "register_as": "m", "training": {"optimizer": "magic"}}"#, "training.optimizer"),
        (#"{"dataset": "DS", "target": "nothere", "model": {"input_shape": [2], "layers": [{"type": "Dense", "units": 2}]}, "register_as": "m"}"#, "target"),
        (#"{"dataset": "ds_unknown", "target": "label", "model": {"input_shape": [2], "layers": [{"type": "Dense", "units": 2}]}, "register_as": "m"}"#, "dataset"),
        (#"{"dataset": "DS", "target": "label", "model": {"input_shape": [2], "layers": [{"type": "Dense", "units": 2}]}, "register_as": "bad name!"}"#, "register_as"),
    ])
    func badJobRequestsName400Fields(body: String, field: String) async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("bad", client: client)
            let dataset = try await service.upload(Fixtures.classificationCSV, key: key, client: client)
            let response = try await client.call(.post, "/api/v1/jobs", key: key, body: body.replacingOccurrences(of: "\"DS\"", with: "\"\(dataset)\""))
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.json["field"]?.string == field, "\(response.text)")
            #expect(try await client.call(.get, "/api/v1/jobs/job_nothing", key: key).status == .notFound)
        }
        await service.stop()
    }
}
