import Testing
@testable import DataPrep

@Suite struct IDXReaderTests {
    let files = TempFiles()

    /// Header for type `code` and `dims`, big-endian.
    func header(_ code: UInt8, _ dims: [UInt32]) -> [UInt8] {
        [0, 0, code, UInt8(dims.count)] + dims.flatMap(bigEndian)
    }

    func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    @Test func readsUInt8Images() throws {
        let pixels: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        let bytes = header(0x08, [2, 3, 4]) + pixels
        #expect(bytes[0..<4] == [0x00, 0x00, 0x08, 0x03])  // magic 0x00000803
        let array = try IDXReader.read(path: files.write("images.idx", bytes: bytes))
        #expect(array.shape == [2, 3, 4])
        #expect(array.values == pixels.map(Float.init))
    }

    @Test func readsLabelsAndWiderTypes() throws {
        let labels = try IDXReader.read(path: files.write("labels.idx", bytes: header(0x08, [3]) + [7, 2, 1]))
        #expect(labels == IDXArray(shape: [3], values: [7, 2, 1]))

        let i8 = try IDXReader.parse(header(0x09, [2]) + [0xFF, 0x05], source: "i8")
        #expect(i8.values == [-1, 5])
        let i16 = try IDXReader.parse(header(0x0B, [2]) + [0xFF, 0xFE, 0x01, 0x00], source: "i16")
        #expect(i16.values == [-2, 256])
        let i32 = try IDXReader.parse(header(0x0C, [1]) + bigEndian(UInt32(bitPattern: -70000)), source: "i32")
        #expect(i32.values == [-70000])
        let f32 = try IDXReader.parse(header(0x0D, [2]) + bigEndian(Float(1.5).bitPattern) + bigEndian(Float(-0.25).bitPattern), source: "f32")
        #expect(f32.values == [1.5, -0.25])
        let bits = Double(-2.5).bitPattern
        let f64 = try IDXReader.parse(header(0x0E, [1]) + bigEndian(UInt32(bits >> 32)) + bigEndian(UInt32(bits & 0xFFFF_FFFF)), source: "f64")
        #expect(f64.values == [-2.5])
    }

    @Test func rejectsMalformedFiles() {
        func message(_ bytes: [UInt8]) -> String? {
            errorMessage { _ = try IDXReader.parse(bytes, source: "x.idx") }
        }
        #expect(message([0, 0]) == "x.idx: IDX file is 2 bytes, too short for its header (needs at least 4)")
        #expect(message([0x1F, 0x8B, 8, 0]) == "x.idx: the file is gzip-compressed; decompress it first (gunzip x.idx)")
        #expect(message([0x50, 0x4B, 3, 4]) == "x.idx: not an IDX file: expected the magic number to start with bytes 00 00, found 50 4b 03 04")
        #expect(message([0, 0, 0x07, 1, 0, 0, 0, 0]) == "x.idx: unknown IDX element type 0x07; expected 08 (u8), 09 (i8), 0B (i16), 0C (i32), 0D (f32) or 0E (f64)")
        #expect(message([0, 0, 0x08, 0]) == "x.idx: IDX header declares 0 dimensions; expected at least 1")
        #expect(message([0, 0, 0x08, 2, 0, 0, 0, 1]) == "x.idx: IDX file is 8 bytes, too short for its header (needs at least 12)")
        #expect(message(header(0x08, [2, 2]) + [1, 2, 3])
            == "x.idx: IDX shape [2, 2] needs a file of 16 bytes, found 15: the file is truncated (1 bytes missing)")
        #expect(message(header(0x0B, [2]) + [0, 1, 0, 2, 9, 9])
            == "x.idx: IDX shape [2] needs a file of 12 bytes, found 14: the file has 2 unexpected trailing bytes")
        #expect(message(header(0x0E, [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF])) != nil)
    }

    @Test func missingFileIsReported() {
        let path = files.directory.appendingPathComponent("none.idx").path
        #expect(errorMessage { _ = try IDXReader.read(path: path) } == "\(path): file not found")
    }
}
