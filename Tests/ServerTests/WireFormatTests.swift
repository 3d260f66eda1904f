import Foundation
import NIOCore
import Platform
@testable import Server
import Testing

/// The request-body readers of the hot paths: the JSON reader against
/// Foundation's decoder, the JSON writer round trip, and the streaming
/// multipart reader fed in every possible split.
@Suite struct WireFormatTests {
    static let documents = [
        #"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [0, 255, 12.5, -3e2]}], "id": "r1"}"#,
        #"[1, -0, 0.1, 1.7976931348623157e308, 5e-324, 123456789012345678901234567890, 0.30000000000000004, 1E+2, -12.5e-3]"#,
        #"{"text": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00 end", "empty": "", "nested": {"deep": [[[], {}], null, true, false]}}"#,
        #"  {"dup": 1, "dup": 2}  "#,  // the first wins, as with Foundation
        "[0.1, 0.2, 0.7, 1.5, 9007199254740993, 3.14159265358979, 2.718281828459045, 100000000000000000000000]",
    ]

    @Test func jsonReaderAgreesWithFoundation() throws {
        for document in Self.documents {
            let ours = try JSONReader.parse(Data(document.utf8))
            let foundation = try JSON.parse(Data(document.utf8))
            #expect(ours == foundation, "\(document)")
        }
        // Every float32-representable pixel and common decimal parses to the nearest double.
        for value in stride(from: -2.0, through: 2.0, by: 0.0137) {
            let text = String(value)
            #expect(try JSONReader.parse(Data(text.utf8)) == .number(Double(text)!), "\(text)")
        }
    }

    @Test func inferenceRequestsReadTensorsStraightIntoFloats() throws {
        let body = #"{"id": "x", "inputs": [{"name": "input", "shape": [2, 2], "datatype": "FP32", "data": [[0, 1.5], [-2e1, 255]]},"#
            + #" {"name": "b", "data": 7}, {"name": "c"}], "outputs": [{"name": "output"}]}"#
        let (request, data) = try JSONReader.parseInferenceRequest(ByteBuffer(string: body))
        var expected = try JSON.parse(Data(body.utf8)).object!
        expected["inputs"] = .array(expected["inputs"]!.array!.map { input in
            var object = input.object!
            object["data"] = nil
            return .object(object)
        })
        #expect(request == .object(expected))
        #expect(data == [[0, 1.5, -20, 255], [7], nil])
        for unusual in [#"{"inputs": [{"data": [1, "a"]}]}"#, #"{"inputs": {"data": [1]}}"#, #"[1]"#, #"{"inputs": [1]}"#,
                        #"{"inputs": [{"data": [1], "data": [2]}]}"#] {
            #expect(throws: JSONReader.SyntaxError.self, "\(unusual)") { try JSONReader.parseInferenceRequest(ByteBuffer(string: unusual)) }
        }
    }

    @Test func jsonReaderRejectsWhatJSONForbids() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "tru", "nul", "\"abc", "\"a\u{01}b\"", "[1] 2",
                    "\"\\x\"", "\"\\ud800\"", "{1: 2}", "NaN", "+1"] {
            #expect(throws: JSONReader.SyntaxError.self, "\(bad)") { try JSONReader.parse(Data(bad.utf8)) }
        }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONReader.SyntaxError.self) { try JSONReader.parse(Data(deep.utf8)) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { try JSONReader.parse(Data(fine.utf8)) }
    }

    @Test func jsonWriterRoundTrips() throws {
        for (index, document) in Self.documents.enumerated() {
            let value = try JSON.parse(Data(document.utf8))
            let written = JSONWriter.serialize(value)
            #expect(try JSON.parse(Data(written)) == value)
            if [0, 2, 3].contains(index) {
                #expect(String(decoding: written, as: UTF8.self) == String(decoding: value.serialized(), as: UTF8.self))
            }
        }
        var writer = JSONWriter()
        writer.write(floats: [0.1, 1, -2, .nan, 1e-8, 3.4028235e38])
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == "[0.1,1,-2,null,1e-08,3.4028235e+38]")
        let parsed = try JSON.parse(Data(text.utf8)).array?.map { $0.number.map(Float.init) }
        #expect(parsed == [0.1, 1, -2, nil, 1e-8, 3.4028235e38])
    }

    @Test func multipartReaderFindsPartsAcrossEverySplit() throws {
        let boundary = "----orchardBoundary7"
        let file = "a,b\r\n1,2\r\n--not-a-boundary\r\n3,4\r\n"
        let body = "preamble\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfromform\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv\"\r\nContent-Type: text/csv\r\n\r\n"
            + file + "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\ncsv\r\n"
            + "--\(boundary)\r\nContent-Disposition: form-data; name=\"other\"; filename=\"skip.bin\"\r\n\r\nignored\r\n"
            + "--\(boundary)--\r\nepilogue"
        let bytes = Array(body.utf8)
        for split in 0...bytes.count {
            for second in [split, min(bytes.count, split + 7)] {
                var reader = try MultipartReader(contentType: "multipart/form-data; boundary=\"\(boundary)\"")
                var events: [MultipartReader.Event] = []
                events += try reader.feed(bytes[0..<split])
                events += try reader.feed(bytes[split..<second])
                events += try reader.feed(bytes[second...])
                try reader.finish()
                var data = Data()
                var fields: [String: String] = [:]
                var filename: String?
                for event in events {
                    switch event {
                    case .fileData(let piece): data.append(piece)
                    case .field(let name, let value): fields[name] = value
                    case .fileStart(let name): filename = name
                    case .fileEnd: break
                    }
                }
                #expect(String(decoding: data, as: UTF8.self) == file, "split at \(split)/\(second)")
                #expect(fields == ["name": "fromform", "format": "csv"])
                #expect(filename == "d.csv")
            }
        }
        var truncated = try MultipartReader(contentType: "multipart/form-data; boundary=\(boundary)")
        _ = try truncated.feed(bytes.prefix(200))
        #expect(throws: ServiceError.self) { try truncated.finish() }
        #expect(throws: ServiceError.self) { _ = try MultipartReader(contentType: "multipart/form-data") }
    }
}
