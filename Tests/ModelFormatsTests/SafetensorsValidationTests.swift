import Testing
@testable import ModelFormats

@Suite struct SafetensorsValidationTests {
    let scratch = ScratchDirectory()

    /// Opens hand-built bytes and returns the error message (nil if accepted).
    func open(_ bytes: [UInt8]) -> (path: String, message: String?) {
        let path = scratch.write("t.safetensors", bytes)
        return (path, errorMessage { _ = try SafetensorsFile(path: path) })
    }

    func tensor(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(begin),\#(end)]}"#
    }

    @Test func acceptsValidHandBuiltFile() throws {
        let json = "{" + tensor("a", "F32", [2], 0, 8) + "}    "  // trailing padding spaces
        let (path, message) = open(safetensorsBytes(json, [UInt8](repeating: 0, count: 8)))
        #expect(message == nil)
        #expect(try SafetensorsFile(path: path).floats("a") == [0, 0])
    }

    @Test func rejectsTruncatedHeaderLength() {
        let (path, message) = open([1, 2, 3])
        #expect(message == "\(path): file is 3 bytes; a safetensors file starts with an 8-byte header length")
    }

    @Test func rejectsHeaderLengthBeyondFile() {
        let (path, message) = open([100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8))
        #expect(message == "\(path): header length 100 runs past the end of the file (only 2 bytes follow the length field); the file is truncated or not safetensors")
        let (path2, message2) = open([0, 0, 0, 0, 0, 0, 0, 0x10] + Array("{}".utf8))
        #expect(message2 == "\(path2): header length 1152921504606846976 exceeds the 100000000-byte limit; the file is corrupt or not safetensors")
    }

    @Test func rejectsBadJSON() {
        let (path, message) = open(safetensorsBytes(#"{"a": {"dtype": "F32""#, []))
        #expect(message?.hasPrefix("\(path): header is not a valid JSON object") == true)
        let (_, notObject) = open(safetensorsBytes("[1, 2]", []))
        #expect(notObject?.hasPrefix("\(path): header is not a valid JSON object") == true)
        let (_, missingField) = open(safetensorsBytes(#"{"w":{"dtype":"F32","shape":[1]}}"#, [0, 0, 0, 0]))
        #expect(missingField == "\(path): tensor 'w': missing field 'data_offsets'")
        let (_, fractional) = open(safetensorsBytes(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]))
        #expect(fractional == "\(path): tensor 'w': field 'shape': 1.5 is not a whole number in the Int range")
        let (_, badMetadata) = open(safetensorsBytes(#"{"__metadata__":{"epochs":3}}"#, []))
        #expect(badMetadata?.hasPrefix("\(path): __metadata__: must map strings to strings") == true)
    }

    @Test func rejectsUnknownDType() {
        let (path, message) = open(safetensorsBytes("{" + tensor("w", "F8_E4M3", [1], 0, 1) + "}", [0]))
        #expect(message == "\(path): tensor 'w': unknown dtype 'F8_E4M3'; expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL")
    }

    @Test func rejectsNegativeShape() {
        let (path, message) = open(safetensorsBytes("{" + tensor("w", "F32", [-1, 2], 0, 8) + "}", [UInt8](repeating: 0, count: 8)))
        #expect(message == "\(path): tensor 'w': shape [-1, 2] has a negative dimension")
    }

    @Test func rejectsOffsetsOutOfRange() {
        let (path, message) = open(safetensorsBytes("{" + tensor("w", "F32", [4], 0, 16) + "}", [UInt8](repeating: 0, count: 8)))
        #expect(message == "\(path): tensor 'w': data_offsets [0, 16] lie outside the 8-byte data buffer")
        let (_, reversed) = open(safetensorsBytes("{" + tensor("w", "F32", [0], 8, 4) + "}", [UInt8](repeating: 0, count: 8)))
        #expect(reversed == "\(path): tensor 'w': data_offsets [8, 4] must satisfy 0 ≤ begin ≤ end")
    }

    @Test func rejectsSizeMismatch() {
        let (path, message) = open(safetensorsBytes("{" + tensor("w", "F16", [3], 0, 8) + "}", [UInt8](repeating: 0, count: 8)))
        #expect(message == "\(path): tensor 'w': F16 shape [3] needs 6 bytes, but data_offsets [0, 8] span 8")
    }

    @Test func rejectsOverlapGapsAndTrailingBytes() {
        let data = [UInt8](repeating: 0, count: 16)
        let (path, overlap) = open(safetensorsBytes(
            "{" + tensor("a", "F32", [3], 0, 12) + "," + tensor("b", "F32", [2], 8, 16) + "}", data))
        #expect(overlap == "\(path): tensor 'b' (bytes 8..<16) overlaps tensor 'a' (bytes 0..<12)")

        let (_, gap) = open(safetensorsBytes(
            "{" + tensor("a", "F32", [1], 0, 4) + "," + tensor("b", "F32", [2], 8, 16) + "}", data))
        #expect(gap == "\(path): tensor 'b' starts at byte 8 but tensor 'a' ends at 4; tensors must cover the data buffer contiguously (bytes 4..<8 are unused)")

        let (_, trailing) = open(safetensorsBytes("{" + tensor("a", "F32", [2], 0, 8) + "}", data))
        #expect(trailing == "\(path): tensors cover bytes 0..<8 but the data buffer is 16 bytes; 8 trailing bytes belong to no tensor")
    }

    @Test func namesAreOrderedByOffsetNotByJSONOrder() throws {
        let json = "{" + tensor("second", "F32", [1], 4, 8) + "," + tensor("first", "BF16", [2], 0, 4) + "}"
        let data: [UInt8] = littleEndian(0x3F80) + littleEndian(0x4000) + [0x00, 0x00, 0x80, 0x3F]
        let path = scratch.write("order.safetensors", safetensorsBytes(json, data))
        let file = try SafetensorsFile(path: path)
        #expect(file.tensorNames == ["first", "second"])
        #expect(try file.floats("first") == [1, 2])
        #expect(try file.floats("second") == [1])
    }

    @Test func missingFileIsReported() {
        let path = scratch.file("none.safetensors").path
        #expect(errorMessage { _ = try SafetensorsFile(path: path) }
            == "\(path): cannot open safetensors file (No such file or directory)")
    }
}
