import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
import Server
import Testing

@Suite struct PredictionTests {
    @Test func deployAndPredictThroughEveryProtocol() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("serve", client: client)
            let name = try await service.trainAndDeploy(key: key, client: client)
            let deployment = try await client.call(.get, "/api/v1/deployments/\(name)", key: key).json
            #expect(deployment["version"]?.int == 1)
            #expect(deployment["traffic"]?["1"]?.int == 100)

            // Open Inference Protocol v2: server and model metadata, readiness, JSON infer.
            #expect(try await client.call(.get, "/v2", key: key).json["extensions"]?.array?.contains("binary_tensor_data") == true)
            let metadata = try await client.call(.get, "/v2/models/\(name)", key: key).json
            #expect(metadata["inputs"]?.array?.first?["shape"] == [-1, 2])
            #expect(metadata["inputs"]?.array?.first?["datatype"]?.string == "FP32")
            #expect(metadata["outputs"]?.array?.first?["shape"] == [-1, 2])
            #expect(try await client.call(.get, "/v2/models/\(name)/ready", key: key).status == .ok)
            #expect(try await client.call(.get, "/v2/models/\(name)/versions/1/ready", key: key).status == .ok)
            let infer = try await client.call(.post, "/v2/models/\(name)/infer", key: key, json: [
                "id": "r1", "inputs": [["name": "input", "shape": [2, 2], "datatype": "FP32", "data": [250, 10, 10, 250]]],
            ])
            #expect(infer.status == .ok, "\(infer.text)")
            #expect(infer.json["id"]?.string == "r1")
            #expect(infer.json["model_version"]?.string == "1")
            let output = try #require(infer.json["outputs"]?.array?.first)
            #expect(output["shape"] == [2, 2])
            let probabilities = (output["data"]?.array ?? []).compactMap { $0.number }
            #expect(probabilities.count == 4)
            #expect(abs(probabilities[0] + probabilities[1] - 1) < 1e-4)

            // Triton's binary extension: binary input, binary output.
            let header = JSON.object([
                "inputs": [["name": "input", "shape": [2, 2], "datatype": "FP32", "parameters": ["binary_data_size": 16]]],
                "outputs": [["name": "output", "parameters": ["binary_data": true]]],
            ]).serialized()
            var body = ByteBuffer(bytes: header)
            for value: Float in [250, 10, 10, 250] { body.writeInteger(value.bitPattern, endianness: .little) }
            let binary = try await client.execute(uri: "/v2/models/\(name)/infer", method: .post,
                                                  headers: [.authorization: "Bearer \(key)", .init("Inference-Header-Content-Length")!: String(header.count)],
                                                  body: body)
            #expect(binary.status == .ok)
            let jsonLength = try #require(binary.headers[.init("Inference-Header-Content-Length")!].flatMap(Int.init))
            var responseBody = binary.body
            let headerBytes = responseBody.readBytes(length: jsonLength) ?? []
            let responseHeader = try JSON.parse(Data(headerBytes))
            #expect(responseHeader["outputs"]?.array?.first?["parameters"]?["binary_data_size"]?.int == 16)
            let decoded = (0..<4).map { _ in Float(bitPattern: responseBody.readInteger(endianness: .little, as: UInt32.self) ?? 0) }
            for (a, b) in zip(decoded, probabilities) { #expect(abs(Double(a) - b) < 1e-5) }

            // TF Serving: status, instances and inputs.
            let status = try await client.call(.get, "/v1/models/\(name)", key: key).json
            #expect(status["model_version_status"]?.array?.first?["state"]?.string == "AVAILABLE")
            let instances = try await client.call(.post, "/v1/models/\(name):predict", key: key, json: ["instances": [[250, 10], [10, 250]]])
            #expect(instances.status == .ok, "\(instances.text)")
            let predictions = instances.json["predictions"]?.array?.map { $0.array?.compactMap { $0.number } ?? [] }
            #expect(predictions?.count == 2)
            for (a, b) in zip(predictions?.flatMap { $0 } ?? [], probabilities) { #expect(abs(a - b) < 1e-5) }
            let columnar = try await client.call(.post, "/v1/models/\(name):predict", key: key, json: ["inputs": ["input": [[250, 10]]]])
            #expect(columnar.json["outputs"]?.array?.count == 1)
            #expect(try await client.call(.post, "/v1/models/\(name)/versions/1:predict", key: key, json: ["instances": [[1, 2]]]).status == .ok)

            // CSV of raw features (the target column is ignored).
            let csv = try await client.call(.post, "/api/v1/deployments/\(name)/predict", key: key, body: "x1,x2,label\n250,10,1\n10,250,0\n")
            #expect(csv.status == .ok, "\(csv.text)")
            #expect(csv.json["predictions"]?.array?.count == 2)
            #expect(csv.json["classes"]?.array?.count == 2)
        }
        await service.stop()
    }

    @Test func badPredictionInputsAnswerPrecise4xx() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("bad", client: client)
            let name = try await service.trainAndDeploy(key: key, client: client)
            func v2(_ input: JSON) async throws -> TestResponse {
                try await client.call(.post, "/v2/models/\(name)/infer", key: key, json: ["inputs": [input]])
            }
            let shape = try await v2(["name": "input", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]])
            #expect(shape.status == .badRequest)
            #expect(shape.json["field"]?.string == "inputs[0].shape")
            let count = try await v2(["name": "input", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3]])
            #expect(count.json["field"]?.string == "inputs[0].data")
            let datatype = try await v2(["name": "input", "shape": [1, 2], "datatype": "STRING", "data": [1, 2]])
            #expect(datatype.json["field"]?.string == "inputs[0].datatype")
            let notNumbers = try await v2(["name": "input", "shape": [1, 2], "datatype": "FP32", "data": ["a", "b"]])
            #expect(notNumbers.status == .badRequest)
            #expect(try await client.call(.post, "/v2/models/\(name)/infer", key: key, body: "{nope").status == .badRequest)
            #expect(try await client.call(.post, "/v2/models/nothing/infer", key: key, json: ["inputs": []]).status == .notFound)
            #expect(try await client.call(.get, "/v2/models/\(name)/versions/7", key: key).status == .notFound)
            let tf = try await client.call(.post, "/v1/models/\(name):predict", key: key, json: ["instances": [[1, 2, 3]]])
            #expect(tf.json["field"]?.string == "instances[0]")
            #expect(try await client.call(.post, "/v1/models/\(name):predict", key: key, json: ["rows": []]).status == .badRequest)
            let csv = try await client.call(.post, "/api/v1/deployments/\(name)/predict", key: key, body: "x1,x2\n1,abc\n")
            #expect(csv.json["field"]?.string == "x2")
            #expect(try await client.call(.post, "/api/v1/deployments", key: key, json: ["name": "d2", "model": "nothing"]).json["field"]?.string == "model")
            #expect(try await client.call(.post, "/api/v1/deployments", key: key, json: ["name": .string(name), "model": .string(name)]).status == .conflict)
            #expect(try await client.call(.post, "/api/v1/deployments", key: key, json: ["name": "d3", "model": .string(name), "version": 5]).json["field"]?.string == "version")
            #expect(try await client.call(.post, "/api/v1/deployments", key: key, json: ["name": "d4", "model": .string(name), "replicas": 0]).json["field"]?.string == "replicas")
            // A deployed version cannot be deleted.
            #expect(try await client.call(.delete, "/api/v1/models/\(name)/versions/1", key: key).status == .conflict)
            // Another tenant sees nothing.
            let other = try await service.tenant("other", client: client)
            #expect(try await client.call(.get, "/v2/models/\(name)", key: other).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/deployments/\(name)", key: other).status == .notFound)
        }
        await service.stop()
    }

    @Test func dynamicBatchingGivesEachCallerItsOwnRows() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("batch", client: client)
            let name = try await service.trainAndDeploy(key: key, client: client,
                                                        deployment: ["max_batch_size": 64, "max_queue_delay_ms": 50, "replicas": 2])
            // Expected answers one by one, then the same rows concurrently.
            var rows: [[Double]] = []
            for index in 0..<24 {
                let x1 = Double((index * 41) % 256), x2 = Double((index * 13 + 7) % 256)
                rows.append([x1, x2])
            }
            var expected: [[Double]] = []
            for row in rows {
                let answer = try await client.call(.post, "/v1/models/\(name):predict", key: key, json: ["instances": [.array(row.map { .number($0) })]])
                expected.append(answer.json["predictions"]?.array?.first?.array?.compactMap { $0.number } ?? [])
            }
            let principal = try await service.platform.auth.authenticate(authorization: "Bearer \(key)")
            let model = try await service.platform.deployments.route(name: name, by: principal)
            let before = model.batchStatistics
            let answers = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
                for (index, row) in rows.enumerated() {
                    // As the server does: announced before decoding, so a batch waits for it.
                    let arrival = model.announce()
                    group.addTask {
                        let output = try await model.predict(row.map { Float($0) }, rows: 1, raw: true, arrival: arrival)
                        return (index, output.map { Double($0) })
                    }
                }
                var answers = [[Double]](repeating: [], count: rows.count)
                for try await (index, output) in group { answers[index] = output }
                return answers
            }
            for (answer, wanted) in zip(answers, expected) {
                #expect(answer.count == wanted.count)
                for (a, b) in zip(answer, wanted) { #expect(abs(a - b) < 1e-5) }
            }
            let after = model.batchStatistics
            #expect(after.largest > 1, "concurrent requests were never batched together")
            #expect(after.batches - before.batches < rows.count)
        }
        await service.stop()
    }

    @Test func trafficSplitPatchAndRollback() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("canary", client: client)
            let name = try await service.trainAndDeploy(key: key, client: client)
            // A second version of the same model.
            let dataset = try await service.upload(Fixtures.classificationCSV, name: "again", key: key, client: client)
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key, json: Fixtures.jobBody(dataset: dataset, registerAs: name))
            let job = try await service.waitForJob(try #require(submitted.json["id"]?.string), key: key, client: client)
            #expect(job["model"]?["version"]?.int == 2)

            let split = try await client.call(.patch, "/api/v1/deployments/\(name)", key: key, json: ["traffic": ["1": 70, "2": 30]])
            #expect(split.status == .ok, "\(split.text)")
            var counts: [String: Int] = [:]
            for _ in 0..<200 {
                let answer = try await client.call(.post, "/v2/models/\(name)/infer", key: key, json: [
                    "inputs": [["name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]]],
                ])
                counts[answer.json["model_version"]?.string ?? "?", default: 0] += 1
            }
            #expect((110...170).contains(counts["1"] ?? 0), "\(counts)")
            #expect((counts["1"] ?? 0) + (counts["2"] ?? 0) == 200)

            let moved = try await client.call(.patch, "/api/v1/deployments/\(name)", key: key, json: ["version": 2])
            #expect(moved.json["traffic"] == ["2": 100])
            let rolledBack = try await client.call(.patch, "/api/v1/deployments/\(name)", key: key, json: ["rollback": true])
            #expect(rolledBack.json["traffic"] == ["1": 70, "2": 30])
            #expect(try await client.call(.patch, "/api/v1/deployments/\(name)", key: key, json: ["traffic": ["9": 1]]).json["field"]?.string == "traffic")
            #expect(try await client.call(.patch, "/api/v1/deployments/\(name)", key: key, json: ["speed": 1]).json["field"]?.string == "speed")
            #expect(try await client.call(.delete, "/api/v1/deployments/\(name)", key: key).status == .noContent)
            #expect(try await client.call(.get, "/v2/models/\(name)", key: key).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/models/\(name)/versions/1", key: key).status == .noContent)
        }
        await service.stop()
    }
}
