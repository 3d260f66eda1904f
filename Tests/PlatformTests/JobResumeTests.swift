import Foundation
import NeuralNet
import Platform
import Testing

/// A worker that dies mid-job (its lease expires) leaves the job to the
/// next worker, which resumes from the last epoch checkpoint.
@Suite struct JobResumeTests {
    static let csv: String = {
        var lines = ["x1,x2,label"]
        for index in 0..<40 {
            let x1 = (index * 37) % 256, x2 = (index * 91 + 50) % 256
            lines.append("\(x1),\(x2),\(x1 > x2 ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static let request: (String) -> JobRequest = { dataset in
        var training = JobRequest.Training()
        training.epochs = 3
        training.batchSize = 8
        training.seed = 3
        return JobRequest(dataset: dataset, target: "label",
                          model: ["input_shape": [2], "layers": [["type": "Dense", "units": 2, "activation": "softmax"]]],
                          rescale: 1.0 / 255, training: training, registerAs: "resumed")
    }

    func waitFinal(_ store: MetadataStore, _ id: String) async throws -> Job {
        for _ in 0..<600 {
            if let job = try await store.job(id: id), job.status.isFinal { return job }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw ServiceError.unavailable("job \(id) did not finish")
    }

    @Test func expiredLeaseResumesFromCheckpoint() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-resume-\(UUID().uuidString)")
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.pollInterval = 0.1
        configuration.workers.workers = 1
        let platform = try await OrchardPlatform.open(dataDirectory: directory, configuration: configuration)
        let principal = Principal(tenantID: "t1", isAdmin: false, keyPrefix: "test")
        let sha = try platform.artifacts.put(Data(Self.csv.utf8))
        let dataset = try await platform.datasets.create(name: "d", format: "csv", sha256: sha, bytes: Self.csv.utf8.count, by: principal)
        platform.start()

        // A first job gives a real checkpoint after epoch 1.
        var oneEpoch = Self.request(dataset.id)
        oneEpoch.training.epochs = 1
        let first = Job(id: "job_first", tenantID: "t1", request: oneEpoch)
        try await platform.store.createJob(first)
        platform.workers.notify()
        let finished = try await waitFinal(platform.store, first.id)
        #expect(finished.status == .succeeded)
        let checkpoint = try #require(finished.checkpoint)
        #expect(checkpoint.epoch == 1)

        // The crash: a 3-epoch job left running by a dead worker after epoch 1.
        var crashed = Job(id: "job_crashed", tenantID: "t1", request: Self.request(dataset.id))
        crashed.status = .running
        crashed.leaseOwner = "dead-worker"
        crashed.leaseExpiresAt = Date().timeIntervalSince1970 - 1
        crashed.attempts = 1
        crashed.checkpoint = checkpoint
        crashed.history = finished.history
        try await platform.store.createJob(crashed)
        platform.workers.notify()
        let resumed = try await waitFinal(platform.store, crashed.id)
        #expect(resumed.status == .succeeded, "\(resumed.error ?? "")")
        #expect(resumed.attempts == 2)
        #expect(resumed.history.map { $0["epoch"]?.int } == [1, 2, 3])
        #expect(resumed.checkpoint?.epoch == 3)
        let logs = try await platform.jobs.logs(id: crashed.id, by: principal)
        #expect(logs.contains("resuming from the checkpoint after epoch 1"))
        // The registered model carries the whole history.
        let version = try #require(try await platform.store.modelVersions(tenantID: "t1", name: "resumed").last)
        let modelJSON = try JSONValue.parse(platform.artifacts.data(for: try #require(version.files["model.json"])))
        #expect(modelJSON["history"]?.array?.count == 3)
        await platform.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}
