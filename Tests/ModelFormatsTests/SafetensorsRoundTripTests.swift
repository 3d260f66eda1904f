import Foundation
import Testing
@testable import ModelFormats

@Suite struct SafetensorsRoundTripTests {
    let scratch = ScratchDirectory()

    let tensors: [(name: String, shape: [Int], values: [Float])] = [
        ("layer1.weight", [2, 3], [1, -0.0, .pi, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1e-20]),
        ("layer1.bias", [3], [0.5, -0.25, 7]),
        ("scalar", [], [42]),
        ("empty", [0, 4], []),
        ("quote\"name\\é", [1], [.infinity]),
    ]

    @Test func writeThenReadIsBitIdentical() throws {
        let url = scratch.file("model.safetensors")
        let metadata = ["format": "pt", "note": "line\nbreak \"quoted\"", "epochs": "3"]
        try SafetensorsWriter.write(tensors: tensors, metadata: metadata, to: url)

        let file = try SafetensorsFile(url: url)
        #expect(file.metadata == metadata)
        #expect(file.tensorNames == ["layer1.weight", "layer1.bias", "scalar", "empty", "quote\"name\\é"])
        for tensor in tensors {
            let info = try file.info(tensor.name)
            #expect(info.dtype == .f32)
            #expect(info.shape == tensor.shape)
            #expect(try file.floats(tensor.name).map(\.bitPattern) == tensor.values.map(\.bitPattern))
        }
        #expect(try file.info("layer1.bias").byteRange == 24..<36)
        #expect(file.dataOffset % 8 == 0)
        try file.withUnsafeBytes("scalar") { raw in
            #expect(Array(raw) == [0x00, 0x00, 0x28, 0x42])  // 42.0f little-endian
        }
        // Only the destination remains: the temporary file was renamed away.
        #expect(scratch.contents() == ["model.safetensors"])
    }

    @Test func outputIsDeterministicAndOverwritesAtomically() throws {
        let a = scratch.file("a.safetensors")
        let b = scratch.file("b.safetensors")
        try SafetensorsWriter.write(tensors: tensors, metadata: ["z": "1", "a": "2"], to: a)
        try SafetensorsWriter.write(tensors: tensors, metadata: ["a": "2", "z": "1"], to: b)
        #expect(try Data(contentsOf: a) == Data(contentsOf: b))

        let header = try Data(contentsOf: a)
        let length = Int(header[0]) | Int(header[1]) << 8
        let json = String(decoding: header[8..<(8 + length)], as: UTF8.self)
        #expect(json.hasPrefix(#"{"__metadata__":{"a":"2","z":"1"},"layer1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"#))
        #expect(length % 8 == 0)

        try SafetensorsWriter.write(tensors: [("only", [1], [1])], metadata: [:], to: a)
        let reread = try SafetensorsFile(url: a)
        #expect(reread.tensorNames == ["only"])
        #expect(reread.metadata.isEmpty)
    }

    @Test func writerRejectsInconsistentTensors() {
        let url = scratch.file("bad.safetensors")
        #expect(errorMessage { try SafetensorsWriter.write(tensors: [("w", [2, 2], [1, 2, 3])], metadata: [:], to: url) }
            == "\(url.path): cannot write tensor 'w': shape [2, 2] holds 4 values but 3 were given")
        #expect(errorMessage { try SafetensorsWriter.write(tensors: [("w", [1], [1]), ("w", [1], [2])], metadata: [:], to: url) }
            == "\(url.path): cannot write tensor 'w': the name is used twice")
        #expect(errorMessage { try SafetensorsWriter.write(tensors: [("__metadata__", [1], [1])], metadata: [:], to: url) } != nil)
        let missingDir = scratch.file("no/such/dir/x.safetensors")
        #expect(errorMessage { try SafetensorsWriter.write(tensors: [], metadata: [:], to: missingDir) }?
            .hasPrefix("\(missingDir.path): write failed (cannot create") == true)
        #expect(scratch.contents().isEmpty)
    }

    @Test func integerAccessorsAndWrongDType() throws {
        let data: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]  // I64 -1
            + [0x05, 0x00, 0x00, 0x00, 0xFE, 0xFF, 0xFF, 0xFF]                 // I32 5, -2
            + [200, 7]                                                          // U8
            + [1, 0, 1]                                                         // BOOL
        let json = #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"#
            + #""i32":{"dtype":"I32","shape":[2],"data_offsets":[8,16]},"#
            + #""u8":{"dtype":"U8","shape":[2],"data_offsets":[16,18]},"#
            + #""mask":{"dtype":"BOOL","shape":[3],"data_offsets":[18,21]}}"#
        let path = scratch.write("ints.safetensors", safetensorsBytes(json, data))
        let file = try SafetensorsFile(path: path)
        #expect(file.tensorNames == ["ids", "i32", "u8", "mask"])
        #expect(try file.int64s("ids") == [-1])
        #expect(try file.int64s("i32") == [5, -2])
        #expect(try file.int64s("u8") == [200, 7])
        #expect(try file.int64s("mask") == [1, 0, 1])
        #expect(errorMessage { _ = try file.floats("ids") }
            == "\(path): tensor 'ids' has dtype I64; this accessor reads F32, F16, BF16, F64")
        #expect(errorMessage { _ = try file.info("nope") }
            == "\(path): no tensor named 'nope'; available: 'ids', 'i32', 'u8', 'mask'")
    }
}
