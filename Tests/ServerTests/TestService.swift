import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
import Server
import Testing

/// A service in memory (or on a temporary SQLite file) with an admin key and
/// helpers to call it, for in-process HTTP tests.
struct TestService {
    static let adminKey = "ork_testadminkey0000000000000000000000000000"
    let platform: OrchardPlatform
    let built: OrchardServer.Built
    let directory: URL

    static func make(workers: Int = 1, sqlite: Bool = false, maxUploadBytes: Int = 1 << 20,
                     leaseSeconds: Double = 30, start: Bool = true, options: OrchardServer.Options = .init(),
                     configure: (inout OrchardPlatform.Configuration) -> Void = { _ in }) async throws -> TestService {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-test-\(UUID().uuidString)")
        var configuration = OrchardPlatform.Configuration()
        configuration.workers.workers = workers
        configuration.workers.leaseSeconds = leaseSeconds
        configuration.workers.pollInterval = 0.2
        configuration.maxUploadBytes = maxUploadBytes
        configure(&configuration)
        let platform = sqlite
            ? try await OrchardPlatform.open(dataDirectory: directory, configuration: configuration)
            : try OrchardPlatform.inMemory(artifactsDirectory: directory.appendingPathComponent("artifacts"), configuration: configuration)
        _ = try await platform.auth.bootstrapAdmin(presetKey: adminKey)
        if start { platform.start() }
        return TestService(platform: platform, built: OrchardServer.build(platform: platform, port: 0, options: options),
                           directory: directory)
    }

    var application: Application<RouterResponder<OrchardRequestContext>> { built.application }

    func stop() async {
        await platform.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A new tenant and its key, through the API.
    func tenant(_ name: String, client: some TestClientProtocol) async throws -> String {
        let tenant = try await client.call(.post, "/api/v1/tenants", key: TestService.adminKey, json: ["name": .string(name)])
        #expect(tenant.status == .created)
        let id = try #require(tenant.json["id"]?.string)
        let key = try await client.call(.post, "/api/v1/tenants/\(id)/keys", key: TestService.adminKey)
        #expect(key.status == .created)
        return try #require(key.json["key"]?.string)
    }

    /// Uploads `csv` as a dataset; returns its id.
    func upload(_ csv: String, name: String = "data", key: String, client: some TestClientProtocol) async throws -> String {
        let response = try await client.call(.post, "/api/v1/datasets?name=\(name)&format=csv", key: key, body: csv)
        #expect(response.status == .created, "\(response.text)")
        return try #require(response.json["id"]?.string)
    }

    /// Polls a job until it is final.
    func waitForJob(_ id: String, key: String, client: some TestClientProtocol, timeout: Double = 120) async throws -> JSON {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let job = try await client.call(.get, "/api/v1/jobs/\(id)", key: key).json
            if let status = job["status"]?.string, ["succeeded", "failed", "cancelled"].contains(status) { return job }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("job \(id) did not finish in \(timeout) s")
        return .null
    }

    /// Trains the tiny classifier and deploys it; returns the deployment name.
    func trainAndDeploy(key: String, client: some TestClientProtocol, name: String = "tiny", deployment: [String: JSON] = [:]) async throws -> String {
        let dataset = try await upload(Fixtures.classificationCSV, key: key, client: client)
        let submitted = try await client.call(.post, "/api/v1/jobs", key: key, json: Fixtures.jobBody(dataset: dataset, registerAs: name))
        #expect(submitted.status == .created, "\(submitted.text)")
        let job = try await waitForJob(try #require(submitted.json["id"]?.string), key: key, client: client)
        #expect(job["status"]?.string == "succeeded", "\(job.brief) \(job["error"] ?? .null)")
        var body: [String: JSON] = ["name": .string(name), "model": .string(name), "max_queue_delay_ms": 1]
        body.merge(deployment) { _, new in new }
        let created = try await client.call(.post, "/api/v1/deployments", key: key, json: .object(body))
        #expect(created.status == .created, "\(created.text)")
        return name
    }
}

enum Fixtures {
    /// 40 rows: label 1 when x1 > x2, features in 0…255 (so rescale matters).
    static let classificationCSV: String = {
        var generator = SystemRandomNumberGenerator()
        _ = generator
        var lines = ["x1,x2,label"]
        for index in 0..<40 {
            let x1 = (index * 37) % 256, x2 = (index * 91 + 50) % 256
            lines.append("\(x1),\(x2),\(x1 > x2 ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static let spec: JSON = [
        "input_shape": [2],
        "layers": [["type": "Dense", "units": 8, "activation": "relu"], ["type": "Dense", "units": 2, "activation": "softmax"]],
    ]

    static func jobBody(dataset: String, registerAs: String, epochs: Int = 2, extra: [String: JSON] = [:]) -> JSON {
        var body: [String: JSON] = [
            "dataset": .string(dataset), "target": "label", "model": spec, "preprocessing": ["rescale": 0.00392156862745098],
            "training": ["epochs": .number(Double(epochs)), "batch_size": 8, "optimizer": "adam", "learning_rate": 0.01,
                         "metrics": ["accuracy"], "seed": 7],
            "register_as": .string(registerAs),
        ]
        body.merge(extra) { _, new in new }
        return .object(body)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: JSON { (try? JSON.parse(Data(text.utf8))) ?? .null }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: JSON? = nil, body: String? = nil,
              headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let key { headers[.authorization] = "Bearer \(key)" }
        var buffer: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: json.serialized())
        } else if let body {
            buffer = ByteBuffer(string: body)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer)
    }
}
