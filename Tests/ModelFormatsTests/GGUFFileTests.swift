import Foundation
import Testing
@testable import ModelFormats

/// Builds small GGUF files byte by byte (the layout documented in GGUFFile.swift).
struct GGUFBuilder {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }

    /// A valid v3 file: metadata (string, u32, f32, bool, nested array) and one 2×32 Q8_0 tensor plus one F32 vector.
    static func valid(version: UInt32 = 3, alignment: UInt32 = 32) -> [UInt8] {
        var b = GGUFBuilder()
        b.bytes += Array("GGUF".utf8)
        b.u32(version)
        b.u64(2)  // tensors
        b.u64(6)  // metadata
        b.string("general.architecture"); b.u32(8); b.string("llama")
        b.string("llama.block_count"); b.u32(4); b.u32(30)
        b.string("llama.rope.freq_base"); b.u32(6); b.u32(Float(100000).bitPattern)
        b.string("tokenizer.ggml.add_bos_token"); b.u32(7); b.bytes.append(0)
        b.string("nested"); b.u32(9); b.u32(9); b.u64(2)
        b.u32(5); b.u64(2); b.u32(UInt32(bitPattern: -1)); b.u32(7)   // [i32 -1, 7]
        b.u32(8); b.u64(1); b.string("x")                              // ["x"]
        b.string("general.alignment"); b.u32(4); b.u32(alignment)
        b.string("w"); b.u32(2); b.u64(32); b.u64(2); b.u32(8); b.u64(0)
        b.string("norm"); b.u32(1); b.u64(8); b.u32(0); b.u64(UInt64(alignment) * 3)
        b.pad(to: Int(alignment))
        let dataStart = b.bytes.count
        for row in 0..<2 {  // Q8_0: f16 d = 0.5 (0x3800), then 32 int8
            b.bytes += [0x00, 0x38]
            b.bytes += (0..<32).map { UInt8(bitPattern: Int8($0 - 16 + row)) }
        }
        while b.bytes.count < dataStart + Int(alignment) * 3 { b.bytes.append(0) }
        for i in 0..<8 { withUnsafeBytes(of: Float(i).bitPattern.littleEndian) { b.bytes += $0 } }
        return b.bytes
    }
}

struct GGUFFileTests {
    @Test(arguments: [UInt32(2), 3])
    func readsHeaderMetadataAndTensors(version: UInt32) throws {
        let dir = ScratchDirectory()
        let file = try GGUFFile(path: dir.write("m.gguf", GGUFBuilder.valid(version: version)))
        #expect(file.version == version)
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.int("llama.block_count") == 30)
        #expect(try file.double("llama.rope.freq_base") == 100000)
        #expect(file.metadata["tokenizer.ggml.add_bos_token"] == .bool(false))
        #expect(file.metadata["nested"] == .array(elementType: 9, [
            .array(elementType: 5, [.int32(-1), .int32(7)]), .array(elementType: 8, [.string("x")])]))
        #expect(file.tensors.map(\.name) == ["w", "norm"])
        let w = try file.requireTensor("w")
        #expect(w.type == .q8_0 && w.dims == [32, 2] && w.byteCount == 68 && w.rowCount == 2)
        let data = file.data(w)
        #expect(data[0] == 0x00 && data[1] == 0x38 && Int8(bitPattern: data[2]) == -16)
        let norm = file.data(try file.requireTensor("norm"))
        #expect(norm.loadUnaligned(fromByteOffset: 12, as: Float.self) == 3)
        #expect(file.dataOffset % 32 == 0)
    }

    @Test func honoursGeneralAlignment() throws {
        let dir = ScratchDirectory()
        let file = try GGUFFile(path: dir.write("a.gguf", GGUFBuilder.valid(alignment: 64)))
        #expect(file.alignment == 64 && file.dataOffset % 64 == 0)
        #expect(file.data(try file.requireTensor("norm")).loadUnaligned(fromByteOffset: 4, as: Float.self) == 1)
    }

    func error(_ bytes: [UInt8]) -> String {
        let dir = ScratchDirectory()
        do {
            _ = try GGUFFile(path: dir.write("bad.gguf", bytes))
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func refusesMalformedFiles() {
        let good = GGUFBuilder.valid()
        var badMagic = good; badMagic[0] = UInt8(ascii: "X")
        #expect(error(badMagic).contains("at byte 0: expected magic"))
        var badVersion = good; badVersion[4] = 1
        #expect(error(badVersion).contains("at byte 4: expected version 2 or 3, found version 1"))
        var hugeCount = good; hugeCount[16 + 7] = 0x7f  // metadata count
        #expect(error(hugeCount).contains("at byte 16: expected a metadata count"))
        // Truncated inside the tensor data, and inside the header.
        #expect(error(Array(good.dropLast(4))).contains("data of tensor 'norm'"))
        #expect(error(Array(good.prefix(200))).contains("truncated"))
        #expect(error(Array(good.prefix(40))).contains("at byte 16: expected a metadata count that fits"))
        // Unknown ggml type for tensor 'w' (its type field follows name, n_dims and two dims).
        var badType = good
        let nameAt = Self.find(Array("\u{1}\0\0\0\0\0\0\0w".utf8), in: good)!
        badType[nameAt + 9 + 4 + 16] = 99
        #expect(error(badType).contains("expected a known ggml type for tensor 'w', found type 99"))
        // A string length that runs past the end of the file.
        var badString = good; badString[24 + 7] = 0x10
        #expect(error(badString).contains("truncated"))
        #expect(error([]).contains("truncated"))
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
