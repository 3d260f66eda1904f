import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Platform
import Server
import Testing

/// The Open Inference Protocol echoes the name the client addressed in
/// `model_name`: the deployment's name, not the registered model's.
@Suite struct InferenceNamingTests {
    @Test func modelNameIsTheAddressedDeployment() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("naming", client: client)
            let model = try await service.trainAndDeploy(key: key, client: client, name: "tiny")
            let created = try await client.call(.post, "/api/v1/deployments", key: key,
                                                json: ["name": "front", "model": .string(model), "max_queue_delay_ms": 0])
            #expect(created.status == .created, "\(created.text)")

            for path in ["/v2/models/front/infer", "/v2/models/front/versions/1/infer"] {
                let json = try await client.call(.post, path, key: key, json: [
                    "inputs": [["name": "input", "shape": [1, 2], "datatype": "FP32", "data": [200, 20]]],
                ])
                #expect(json.status == .ok, "\(json.text)")
                #expect(json.json["model_name"]?.string == "front", "\(path): \(json.text)")
                #expect(json.json["model_version"]?.string == "1")
            }

            let header = JSON.object([
                "inputs": [["name": "input", "shape": [1, 2], "datatype": "FP32", "parameters": ["binary_data_size": 8]]],
                "outputs": [["name": "output", "parameters": ["binary_data": true]]],
            ]).serialized()
            var body = ByteBuffer(bytes: header)
            for value: Float in [200, 20] { body.writeInteger(value.bitPattern, endianness: .little) }
            let lengthField = HTTPField.Name("Inference-Header-Content-Length")!
            let binary = try await client.execute(uri: "/v2/models/front/infer", method: .post,
                                                  headers: [.authorization: "Bearer \(key)", lengthField: String(header.count)], body: body)
            #expect(binary.status == .ok)
            let length = try #require(binary.headers[lengthField].flatMap(Int.init))
            var answer = binary.body
            let responseHeader = try JSON.parse(Data(answer.readBytes(length: length) ?? []))
            #expect(responseHeader["model_name"]?.string == "front")
            #expect(responseHeader["model_version"]?.string == "1")

            // The model's own deployment still answers with its name.
            let own = try await client.call(.post, "/v2/models/\(model)/infer", key: key, json: [
                "inputs": [["name": "input", "shape": [1, 2], "datatype": "FP32", "data": [200, 20]]],
            ])
            #expect(own.json["model_name"]?.string == model)
            #expect(try await client.call(.get, "/v2/models/front", key: key).json["name"]?.string == "front")
        }
        await service.stop()
    }
}
