import Testing
@testable import ModelFormats

@Suite struct SafetensorsHalfPrecisionTests {
    let scratch = ScratchDirectory()

    @Test func decodesF16AndBF16Tensors() throws {
        // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 0x0001, -inf 0xFC00
        let f16: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001, 0xFC00]
        // BF16: 1.0 = 0x3F80, -2.5 = 0xC020, 65280 = 0x477F, 3.3895314e38 = 0x7F7F
        let bf16: [UInt16] = [0x3F80, 0xC020, 0x477F, 0x7F7F]
        let json = #"{"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},"#
            + #""b":{"dtype":"BF16","shape":[2,2],"data_offsets":[10,18]}}"#
        let data = f16.flatMap(littleEndian) + bf16.flatMap(littleEndian)
        let file = try SafetensorsFile(path: scratch.write("half.safetensors", safetensorsBytes(json, data)))

        #expect(try file.floats("h") == [1.0, -2.5, 65504, 0x1p-24, -.infinity])
        #expect(try file.floats("b") == [1.0, -2.5, 65280, 3.3895314e38])
        #expect(try file.info("b").shape == [2, 2])
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func f16ConversionMatchesFloat16ForEveryBitPattern() {
        for bits in UInt16.min...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = HalfPrecision.float(fromF16: bits)
            if expected.isNaN {
                #expect(actual.isNaN)
            } else if actual.bitPattern != expected.bitPattern {
                Issue.record("F16 0x\(String(bits, radix: 16)): \(actual) != \(expected)")
                return
            }
        }
    }
    #endif
}
