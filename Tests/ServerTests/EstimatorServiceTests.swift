import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
import Server
import Testing

/// Classical estimators through the service: a job with "estimator" instead
/// of "model", registry, deployment, and predictions on raw rows with
/// strings and blanks through v2 (JSON, one tensor of rows, binary), TF
/// Serving and CSV.
@Suite struct EstimatorServiceTests {
    /// label is "yes" when size > 5 or the color is red; some cells blank.
    static func csv(rows: Int, offset: Int) -> String {
        let colors = ["red", "green", "blue"]
        var lines = ["color,size,weight,label"]
        for index in offset..<(offset + rows) {
            let color = colors[index % 3], size = (index * 7) % 11, weight = Double((index * 3) % 5) + 0.5
            let label = size > 5 || color == "red" ? "yes" : "no"
            let colorCell = index % 10 == 9 ? "" : color
            let sizeCell = index % 13 == 12 ? "" : String(size)
            lines.append("\(colorCell),\(sizeCell),\(weight),\(label)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func job(dataset: String, test: String?, registerAs: String) -> JSON {
        var body: [String: JSON] = [
            "dataset": .string(dataset), "target": "label",
            "estimator": ["name": "decision_tree", "params": ["max_depth": 4]],
            "preprocessing": ["impute": "most_frequent", "encode": "onehot"], "training": ["seed": 0],
            "register_as": .string(registerAs),
        ]
        if let test { body["test_dataset"] = .string(test) }
        return .object(body)
    }

    @Test func estimatorTrainsRegistersDeploysAndPredictsRawRows() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("tabular", client: client)
            let train = try await service.upload(Self.csv(rows: 120, offset: 0), name: "train", key: key, client: client)
            let test = try await service.upload(Self.csv(rows: 40, offset: 500), name: "test", key: key, client: client)
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key, json: Self.job(dataset: train, test: test, registerAs: "tree"))
            #expect(submitted.status == .created, "\(submitted.text)")
            let job = try await service.waitForJob(try #require(submitted.json["id"]?.string), key: key, client: client)
            #expect(job["status"]?.string == "succeeded", "\(job["error"] ?? .null)")
            let metrics = try #require(job["metrics"])
            #expect(metrics["evaluated_on"]?.string == "test_dataset")
            #expect((metrics["accuracy"]?.number ?? 0) >= 0.9, "\(metrics.brief)")
            #expect(metrics["per_class"]?.array?.compactMap { $0["class"]?.string } == ["no", "yes"])
            let confusion = metrics["confusion_matrix"]?.array?.map { $0.array?.compactMap(\.int) ?? [] } ?? []
            #expect(confusion.count == 2 && confusion.flatMap { $0 }.reduce(0, +) == 40)
            #expect(metrics["train_metrics"]?["accuracy"]?.number != nil)

            let version = try await client.call(.get, "/api/v1/models/tree/versions/1", key: key).json
            #expect(version["spec"]?["estimator"]?["name"]?.string == "decision_tree")
            #expect(version["spec"]?["estimator"]?["params"]?["max_depth"]?.int == 4)

            let created = try await client.call(.post, "/api/v1/deployments", key: key, json: ["name": "tree", "model": "tree"])
            #expect(created.status == .created, "\(created.text)")

            // Metadata: one input per raw column, typed; label and probabilities out.
            let metadata = try await client.call(.get, "/v2/models/tree", key: key).json
            #expect(metadata["inputs"]?.array?.compactMap { $0["name"]?.string } == ["color", "size", "weight"])
            #expect(metadata["inputs"]?.array?.compactMap { $0["datatype"]?.string } == ["BYTES", "FP64", "FP64"])
            #expect(metadata["outputs"]?.array?.compactMap { $0["name"]?.string } == ["label", "probabilities"])

            // Rows whose answer the rule fixes, blanks included (imputed as in training).
            let expected: [JSON] = ["yes", "yes", "no", "yes", "yes"]
            let colors: [JSON] = ["red", "blue", "green", "", "red"]
            let sizes: [JSON] = [2, 9, 1, 9, nil]
            let weights: [JSON] = [1.5, 0.5, 2.5, 3.5, 1.5]
            let perColumn = try await client.call(.post, "/v2/models/tree/infer", key: key, json: [
                "id": "t1",
                "inputs": [
                    ["name": "color", "datatype": "BYTES", "shape": [5], "data": .array(colors)],
                    ["name": "size", "datatype": "FP64", "shape": [5, 1], "data": .array(sizes)],
                    ["name": "weight", "datatype": "FP32", "shape": [5], "data": .array(weights)],
                ],
            ])
            #expect(perColumn.status == .ok, "\(perColumn.text)")
            #expect(perColumn.json["id"]?.string == "t1")
            let outputs = perColumn.json["outputs"]?.array ?? []
            #expect(outputs.first?["name"]?.string == "label")
            #expect(outputs.first?["datatype"]?.string == "BYTES")
            #expect(outputs.first?["data"]?.array == expected)
            let probabilities = outputs.dropFirst().first?["data"]?.array?.compactMap(\.number) ?? []
            #expect(outputs.dropFirst().first?["shape"] == [5, 2])
            #expect(probabilities.count == 10)
            for row in 0..<5 { #expect(abs(probabilities[2 * row] + probabilities[2 * row + 1] - 1) < 1e-6) }

            // One [N, columns] tensor of mixed cells, label only.
            let rows = try await client.call(.post, "/v2/models/tree/infer", key: key, json: [
                "inputs": [["name": "input", "datatype": "BYTES", "shape": [5, 3],
                            "data": .array((0..<5).flatMap { [colors[$0], sizes[$0], weights[$0]] })]],
                "outputs": [["name": "label"]],
            ])
            #expect(rows.status == .ok, "\(rows.text)")
            #expect(rows.json["outputs"]?.array?.count == 1)
            #expect(rows.json["outputs"]?.array?.first?["data"]?.array == expected)

            // Triton's binary form: BYTES and FP64 inputs, binary label output.
            var payload: [UInt8] = []
            for color in colors {
                let bytes = Array((color.string ?? "").utf8)
                withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { payload += $0 }
                payload += bytes
            }
            let colorSize = payload.count
            for size in sizes { withUnsafeBytes(of: (size.number ?? .nan).bitPattern.littleEndian) { payload += $0 } }
            for weight in weights { withUnsafeBytes(of: (weight.number ?? .nan).bitPattern.littleEndian) { payload += $0 } }
            let header = JSON.object([
                "inputs": [
                    ["name": "color", "datatype": "BYTES", "shape": [5], "parameters": ["binary_data_size": .number(Double(colorSize))]],
                    ["name": "size", "datatype": "FP64", "shape": [5], "parameters": ["binary_data_size": 40]],
                    ["name": "weight", "datatype": "FP64", "shape": [5], "parameters": ["binary_data_size": 40]],
                ],
                "outputs": [["name": "label", "parameters": ["binary_data": true]]],
            ]).serialized()
            var body = ByteBuffer(bytes: header)
            body.writeBytes(payload)
            let binary = try await client.execute(uri: "/v2/models/tree/infer", method: .post,
                                                  headers: [.authorization: "Bearer \(key)",
                                                            .init("Inference-Header-Content-Length")!: String(header.count)],
                                                  body: body)
            #expect(binary.status == .ok)
            let jsonLength = try #require(binary.headers[.init("Inference-Header-Content-Length")!].flatMap(Int.init))
            var responseBody = binary.body
            _ = responseBody.readBytes(length: jsonLength)
            var labels: [JSON] = []
            while let length = responseBody.readInteger(endianness: .little, as: UInt32.self) {
                labels.append(.string(responseBody.readString(length: Int(length)) ?? "?"))
            }
            #expect(labels == expected)

            // TF Serving: rows as objects (blank = missing key) and as lists; columnar inputs.
            let instances = try await client.call(.post, "/v1/models/tree:predict", key: key, json: [
                "instances": .array((0..<5).map { row in
                    var fields: [String: JSON] = ["weight": weights[row]]
                    if colors[row] != "" { fields["color"] = colors[row] }
                    if !sizes[row].isNull { fields["size"] = sizes[row] }
                    return .object(fields)
                }),
            ])
            #expect(instances.status == .ok, "\(instances.text)")
            #expect(instances.json["predictions"]?.array?.map { $0["label"] ?? .null } == expected)
            let lists = try await client.call(.post, "/v1/models/tree:predict", key: key, json: [
                "instances": .array((0..<5).map { [colors[$0], sizes[$0], weights[$0]] }),
            ])
            #expect(lists.json["predictions"]?.array?.map { $0["label"] ?? .null } == expected)
            let columnar = try await client.call(.post, "/v1/models/tree:predict", key: key, json: [
                "inputs": ["color": .array(colors), "size": .array(sizes), "weight": .array(weights)],
            ])
            #expect(columnar.json["outputs"]?["label"]?.array == expected)

            // CSV of raw rows (the target column is ignored).
            let csv = try await client.call(.post, "/api/v1/deployments/tree/predict", key: key,
                                            body: "color,size,weight,label\nred,2,1.5,\nblue,9,0.5,\ngreen,1,2.5,\n,9,3.5,\nred,,1.5,\n")
            #expect(csv.status == .ok, "\(csv.text)")
            #expect(csv.json["predictions"]?.array == expected)
            #expect(csv.json["classes"] == ["no", "yes"])

            // Bad rows: a precise 4xx naming the column.
            func v2(_ inputs: JSON) async throws -> TestResponse {
                try await client.call(.post, "/v2/models/tree/infer", key: key, json: ["inputs": inputs])
            }
            let unknown = try await v2([["name": "colour", "datatype": "BYTES", "shape": [1], "data": ["red"]],
                                        ["name": "size", "datatype": "FP64", "shape": [1], "data": [1]],
                                        ["name": "weight", "datatype": "FP64", "shape": [1], "data": [1]]])
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["error"]?.string?.contains("colour") == true, "\(unknown.text)")
            let missing = try await v2([["name": "color", "datatype": "BYTES", "shape": [1], "data": ["red"]]])
            #expect(missing.status == .badRequest)
            #expect(missing.json["error"]?.string?.contains("size") == true, "\(missing.text)")
            let text = try await v2([["name": "color", "datatype": "BYTES", "shape": [1], "data": ["red"]],
                                     ["name": "size", "datatype": "BYTES", "shape": [1], "data": ["big"]],
                                     ["name": "weight", "datatype": "FP64", "shape": [1], "data": [1]]])
            #expect(text.status == .badRequest)
            #expect(text.json["error"]?.string?.contains("size") == true, "\(text.text)")
            let ragged = try await v2([["name": "color", "datatype": "BYTES", "shape": [2], "data": ["red", "blue"]],
                                       ["name": "size", "datatype": "FP64", "shape": [1], "data": [1]],
                                       ["name": "weight", "datatype": "FP64", "shape": [1], "data": [1]]])
            #expect(ragged.status == .badRequest, "\(ragged.text)")
        }
        await service.stop()
    }

    @Test(arguments: [
        (#"{"name": "forest"}"#, "estimator.name"),
        (#"{"name": "random_forest", "params": {"n_estimator": 10}}"#, "estimator.params.n_estimator"),
        (#"{"name": "random_forest", "params": {"max_depth": -3}}"#, "estimator.params.max_depth"),
        (#"{"name": "svc", "kernel": "rbf"}"#, "estimator.kernel"),
    ])
    func badEstimatorJobsName400Fields(estimator: String, field: String) async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("bad", client: client)
            let body = #"{"dataset": "d1", "target": "label", "register_as": "m", "estimator": \#(estimator)}"#
            let response = try await client.call(.post, "/api/v1/jobs", key: key, body: body, headers: [.contentType: "application/json"])
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.json["field"]?.string == field, "\(response.text)")
        }
        await service.stop()
    }

    @Test func estimatorJobsRejectNetworkSettingsAndBadData() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("rules", client: client)
            let train = try await service.upload(Self.csv(rows: 30, offset: 0), name: "train", key: key, client: client)
            var body = Self.job(dataset: train, test: nil, registerAs: "t").object!
            body["training"] = ["epochs": 3]
            let epochs = try await client.call(.post, "/api/v1/jobs", key: key, json: .object(body))
            #expect(epochs.status == .badRequest)
            #expect(epochs.json["field"]?.string == "training.epochs")
            body["training"] = nil
            body["model"] = Fixtures.spec
            #expect(try await client.call(.post, "/api/v1/jobs", key: key, json: .object(body)).json["field"]?.string == "estimator")

            // Text columns without an encoder: the job fails naming the column and the fix; nothing registered.
            body["model"] = nil
            body["preprocessing"] = ["impute": "most_frequent"]
            let submitted = try await client.call(.post, "/api/v1/jobs", key: key, json: .object(body))
            #expect(submitted.status == .created, "\(submitted.text)")
            let job = try await service.waitForJob(try #require(submitted.json["id"]?.string), key: key, client: client)
            #expect(job["status"]?.string == "failed")
            #expect(job["error"]?.string?.contains("color") == true, "\(job["error"] ?? .null)")
            #expect(try await client.call(.get, "/api/v1/models/t", key: key).status == .notFound)
        }
        await service.stop()
    }
}
