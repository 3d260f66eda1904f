import Foundation
import Hummingbird
import HummingbirdTesting
import ImageIO
import Platform
import Server
import Testing

/// `POST /api/v1/deployments/{name}/predict` with `Content-Type: image/png`.
@Suite struct PNGPredictionTests {
    /// 48 gray 2×2 images: label 1 when the top row is brighter than the bottom one.
    static let imagesCSV: String = {
        var lines = ["p1,p2,p3,p4,label"]
        for index in 0..<48 {
            let top = (index * 53) % 256, bottom = (index * 97 + 31) % 256
            lines.append("\(top),\((top + 7) % 256),\(bottom),\((bottom + 11) % 256),\(top > bottom ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static let imageSpec: JSON = [
        "input_shape": [2, 2, 1],
        "layers": [["type": "Flatten"], ["type": "Dense", "units": 8, "activation": "relu"],
                   ["type": "Dense", "units": 2, "activation": "softmax"]],
    ]

    static func png(_ pixels: [UInt16], width: Int, height: Int, channels: Int = 1) throws -> ByteBuffer {
        ByteBuffer(bytes: try PNGEncoder.encode(Image(width: width, height: height, channels: channels, maxValue: 255, samples: pixels)))
    }

    /// Trains and deploys the 2×2 image model as `name`.
    static func deployImageModel(_ service: TestService, key: String, client: some TestClientProtocol, name: String) async throws {
        let dataset = try await service.upload(imagesCSV, name: "images", key: key, client: client)
        let body = Fixtures.jobBody(dataset: dataset, registerAs: name, epochs: 3, extra: ["model": imageSpec])
        let submitted = try await client.call(.post, "/api/v1/jobs", key: key, json: body)
        #expect(submitted.status == .created, "\(submitted.text)")
        let job = try await service.waitForJob(try #require(submitted.json["id"]?.string), key: key, client: client)
        #expect(job["status"]?.string == "succeeded", "\(job["error"] ?? .null)")
        let created = try await client.call(.post, "/api/v1/deployments", key: key, json: ["name": .string(name), "model": .string(name)])
        #expect(created.status == .created, "\(created.text)")
    }

    /// Same nested numbers within 1e-5 (luma weights sum to 1 only up to rounding).
    static func close(_ a: JSON?, _ b: JSON?) -> Bool {
        switch (a, b) {
        case (.array(let x)?, .array(let y)?): return x.count == y.count && zip(x, y).allSatisfy { close($0, $1) }
        case (.number(let x)?, .number(let y)?): return abs(x - y) < 1e-5
        default: return false
        }
    }

    func predict(_ client: some TestClientProtocol, _ name: String, key: String, contentType: String, body: ByteBuffer) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/deployments/\(name)/predict", method: .post,
                                 headers: [.authorization: "Bearer \(key)", .contentType: contentType], body: body)
    }

    @Test func pngPredictsLikeTheSamePixelsAsCSV() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("images", client: client)
            try await PNGPredictionTests.deployImageModel(service, key: key, client: client, name: "quad")
            let pixels: [UInt16] = [240, 230, 12, 30]
            let image = try await predict(client, "quad", key: key, contentType: "image/png",
                                          body: try PNGPredictionTests.png(pixels, width: 2, height: 2))
            #expect(image.status == .ok, "\(image.text)")
            let csv = try await predict(client, "quad", key: key, contentType: "text/csv", body: ByteBuffer(string: "p1,p2,p3,p4\n240,230,12,30\n"))
            #expect(csv.status == .ok, "\(csv.text)")
            let fromImage = try #require(image.json["predictions"]?.array)
            #expect(fromImage.count == 1)
            #expect(fromImage[0].array?.count == 2)
            #expect(image.json["predictions"] == csv.json["predictions"])
            #expect(image.json["classes"] == csv.json["classes"])
            #expect(image.json["model"]?.string == "quad")
            #expect(image.json["version"]?.int == 1)

            // RGB of equal channels is the same gray; a 4×4 image is box-filtered to 2×2 (each pixel a 2×2 block).
            let rgb = try await predict(client, "quad", key: key, contentType: "image/png",
                                        body: try PNGPredictionTests.png(pixels.flatMap { [$0, $0, $0] }, width: 2, height: 2, channels: 3))
            #expect(PNGPredictionTests.close(rgb.json["predictions"], csv.json["predictions"]), "\(rgb.text)")
            let large: [UInt16] = [240, 240, 230, 230, 240, 240, 230, 230, 12, 12, 30, 30, 12, 12, 30, 30]
            let resized = try await predict(client, "quad", key: key, contentType: "image/png; charset=binary",
                                            body: try PNGPredictionTests.png(large, width: 4, height: 4))
            #expect(resized.json["predictions"] == csv.json["predictions"], "\(resized.text)")
        }
        await service.stop()
    }

    @Test func badImagesAndContentTypesAreRefused() async throws {
        let service = try await TestService.make(workers: 1)
        try await service.application.test(.router) { client in
            let key = try await service.tenant("bad-images", client: client)
            try await PNGPredictionTests.deployImageModel(service, key: key, client: client, name: "quad")
            let good = try PNGPredictionTests.png([1, 2, 3, 4], width: 2, height: 2)

            let garbage = try await predict(client, "quad", key: key, contentType: "image/png", body: ByteBuffer(string: "hello, not an image"))
            #expect(garbage.status == .badRequest)
            #expect(garbage.json["field"]?.string == "body")
            #expect(garbage.json["error"]?.string?.contains("not a PNG image") == true, "\(garbage.text)")

            let cut = try await predict(client, "quad", key: key, contentType: "image/png", body: good.getSlice(at: 0, length: good.readableBytes - 5)!)
            #expect(cut.status == .badRequest)
            #expect(cut.json["error"]?.string?.contains("truncated PNG") == true, "\(cut.text)")

            var corrupt = good
            corrupt.setInteger(UInt8(0xFF), at: 20)  // inside IHDR: its CRC no longer matches
            let crc = try await predict(client, "quad", key: key, contentType: "image/png", body: corrupt)
            #expect(crc.status == .badRequest)
            #expect(crc.json["error"]?.string?.contains("chunk IHDR has CRC") == true, "\(crc.text)")

            let jpeg = try await predict(client, "quad", key: key, contentType: "image/jpeg", body: good)
            #expect(jpeg.status == .unsupportedMediaType)
            #expect(jpeg.json["error"]?.string?.contains("only PNG images") == true, "\(jpeg.text)")
            let json = try await predict(client, "quad", key: key, contentType: "application/json", body: ByteBuffer(string: "{}"))
            #expect(json.status == .unsupportedMediaType)
            #expect(json.json["error"]?.string?.contains("/v2/models/{name}/infer") == true, "\(json.text)")

            let mislabelled = try await predict(client, "quad", key: key, contentType: "text/csv", body: good)
            #expect(mislabelled.status == .badRequest)
            #expect(mislabelled.json["field"]?.string == "Content-Type", "\(mislabelled.text)")

            // A model whose input is not an image (two features) cannot take one.
            let tiny = try await service.trainAndDeploy(key: key, client: client, name: "flat")
            let notImage = try await predict(client, tiny, key: key, contentType: "image/png", body: good)
            #expect(notImage.status == .badRequest)
            #expect(notImage.json["error"]?.string?.contains("is not an image") == true, "\(notImage.text)")

            let unknown = try await predict(client, "nope", key: key, contentType: "image/png", body: good)
            #expect(unknown.status == .notFound)
        }
        await service.stop()
    }
}
