import Foundation
import HummingbirdTesting
import Platform
import Server
import Testing

@Suite struct DatasetRoutesTests {
    @Test func uploadInfersSchemaAndStatistics() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("data", client: client)
            let csv = "id,score,city\n1,2.5,Paris\n2,,Lyon\n3,4.5,Paris\n"
            let response = try await client.call(.post, "/api/v1/datasets?name=cities&format=csv", key: key, body: csv)
            #expect(response.status == .created)
            let dataset = response.json
            #expect(dataset["name"]?.string == "cities")
            #expect(dataset["format"]?.string == "csv")
            #expect(dataset["rows"]?.int == 3)
            #expect(dataset["sha256"]?.string?.count == 64)
            let schema = try #require(dataset["schema"]?.array)
            #expect(schema.map { $0["name"]?.string ?? "" } == ["id", "score", "city"])
            #expect(schema[0]["type"]?.string == "integer")
            #expect(schema[0]["min"]?.number == 1)
            #expect(schema[0]["max"]?.number == 3)
            #expect(schema[0]["mean"]?.number == 2)
            #expect(schema[1]["type"]?.string == "number")
            #expect(schema[1]["missing"]?.int == 1)
            #expect(schema[1]["mean"]?.number == 3.5)
            #expect(schema[2]["type"]?.string == "string")
            #expect(schema[2]["distinct"]?.int == 2)
            #expect(schema[2]["min"] == .null)

            let id = try #require(dataset["id"]?.string)
            let preview = try await client.call(.get, "/api/v1/datasets/\(id)/preview?limit=2", key: key)
            #expect(preview.json["rows"]?.array?.count == 2)
            #expect(preview.json["rows"]?.array?.first?["city"]?.string == "Paris")
            #expect(try await client.call(.get, "/api/v1/datasets/\(id)/preview?limit=x", key: key).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/datasets", key: key).json["datasets"]?.array?.count == 1)
            #expect(try await client.call(.delete, "/api/v1/datasets/\(id)", key: key).status == .noContent)
            #expect(try await client.call(.get, "/api/v1/datasets/\(id)", key: key).status == .notFound)
        }
        await service.stop()
    }

    @Test func multipartAndJSONLines() async throws {
        let service = try await TestService.make(workers: 0)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("multi", client: client)
            let boundary = "XyZ123"
            let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfromform\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                + "a,b\n1,2\n3,4\n\r\n--\(boundary)--\r\n"
            let response = try await client.call(.post, "/api/v1/datasets", key: key, body: body,
                                                 headers: [.contentType: "multipart/form-data; boundary=\(boundary)"])
            #expect(response.status == .created, "\(response.text)")
            #expect(response.json["name"]?.string == "fromform")
            #expect(response.json["rows"]?.int == 2)

            let lines = "{\"x\": 1, \"tag\": \"a\"}\n{\"x\": 2.5, \"tag\": null}\n"
            let jsonl = try await client.call(.post, "/api/v1/datasets?name=events&format=jsonl", key: key, body: lines)
            #expect(jsonl.status == .created, "\(jsonl.text)")
            let schema = jsonl.json["schema"]?.array ?? []
            #expect(schema.first { $0["name"]?.string == "tag" }?["missing"]?.int == 1)
            #expect(schema.first { $0["name"]?.string == "x" }?["type"]?.string == "number")
        }
        await service.stop()
    }

    @Test func badUploadsAnswer4xxAndStoreNothing() async throws {
        let service = try await TestService.make(workers: 0, maxUploadBytes: 1000)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("bad", client: client)
            let big = "a,b\n" + String(repeating: "1,2\n", count: 400)
            let tooLarge = try await client.call(.post, "/api/v1/datasets?name=big", key: key, body: big)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.json["error"]?.string != nil)
            let format = try await client.call(.post, "/api/v1/datasets?name=x&format=xml", key: key, body: "a\n1\n")
            #expect(format.status == .badRequest)
            #expect(format.json["field"]?.string == "format")
            let ragged = try await client.call(.post, "/api/v1/datasets?name=x", key: key, body: "a,b\n1\n")
            #expect(ragged.status == .badRequest)
            #expect(ragged.json["error"]?.string?.contains("line 2") == true)
            #expect(try await client.call(.post, "/api/v1/datasets?name=x", key: key, body: "").status == .badRequest)
            let headerOnly = try await client.call(.post, "/api/v1/datasets?name=x", key: key, body: "304250263527211")
            #expect(headerOnly.status == .badRequest)
            #expect(headerOnly.json["error"]?.string?.contains("no rows") == true)
            #expect(try await client.call(.post, "/api/v1/datasets", key: key, body: "a\n1\n").json["field"]?.string == "name")
            #expect(try await client.call(.get, "/api/v1/datasets", key: key).json["datasets"]?.array?.isEmpty == true)
            #expect(try await client.call(.get, "/api/v1/datasets/ds_missing", key: key).status == .notFound)
            // No file of a rejected upload stays in the artifact store.
            let stored = FileManager.default.enumerator(atPath: service.directory.appendingPathComponent("artifacts/sha256").path)?
                .allObjects.compactMap { $0 as? String }.filter { $0.count == 67 } ?? []
            #expect(stored.isEmpty, "\(stored)")
        }
        await service.stop()
    }
}
