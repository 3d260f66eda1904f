import Foundation
import Testing
@testable import ImageIO

/// Fixtures written by bench/golden/make_png_fixtures.py (its own zlib +
/// struct encoder, Pillow and pypng), with the samples each must decode to.
enum PNGFixture {
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return [UInt8](try Data(contentsOf: url))
    }

    struct Golden: Decodable {
        let width: Int
        let height: Int
        let channels: Int
        let max_value: Int
        let samples: [Int]
    }

    static func golden() throws -> [String: Golden] {
        try JSONDecoder().decode([String: Golden].self, from: Data(bytes("png_golden.json")))
    }
}

@Suite struct PNGDecoderTests {
    static let goldenNames = ["gray8_filters.png", "rgb8_filters.png", "rgba8.png", "gray_alpha8.png", "gray16.png",
                              "gray1.png", "gray2.png", "gray4.png", "palette4_trns.png", "palette8.png", "rgb8_trns.png",
                              "gray8_interlaced.png", "rgb16_interlaced.png"]

    @Test(arguments: goldenNames)
    func decodesGoldenPixels(_ name: String) throws {
        let expected = try #require(try PNGFixture.golden()[name])
        let image = try PNGDecoder().decode(try PNGFixture.bytes(name))
        #expect(image.width == expected.width)
        #expect(image.height == expected.height)
        #expect(image.channels == expected.channels)
        #expect(image.maxValue == expected.max_value)
        #expect(image.samples.map(Int.init) == expected.samples)
    }

    @Test func everyGoldenFixtureIsListed() throws {
        #expect(Set(try PNGFixture.golden().keys) == Set(PNGDecoderTests.goldenNames))
    }

    @Test func wrongSignatureIsNotPNG() throws {
        var bytes = try PNGFixture.bytes("gray8_filters.png")
        bytes[1] = UInt8(ascii: "X")
        #expect(throws: PNGError.notPNG) { try PNGDecoder().decode(bytes) }
        #expect(throws: PNGError.notPNG) { try PNGDecoder().decode(Array("label,x1\n1,2\n".utf8)) }
        #expect(throws: PNGError.notPNG) { try PNGDecoder().decode([0xFF, 0xD8, 0xFF]) }  // a JPEG's start
    }

    @Test func badCRCNamesTheChunk() throws {
        var bytes = try PNGFixture.bytes("rgba8.png")
        // The IHDR's width (bytes 16…19) changes; its stored CRC no longer matches.
        bytes[19] ^= 0x01
        let error = try #require(throws: PNGError.self) { try PNGDecoder().decode(bytes) }
        guard case .crcMismatch(let chunk, let stored, let computed) = error else {
            Issue.record("expected a CRC mismatch, got \(error)")
            return
        }
        #expect(chunk == "IHDR")
        #expect(stored != computed)
        #expect(error.description.contains("IHDR"))
    }

    @Test func everyTruncationIsAnError() throws {
        let bytes = try PNGFixture.bytes("gray8_interlaced.png")
        for length in 0..<bytes.count {
            let error = try #require(throws: PNGError.self) { try PNGDecoder().decode(bytes[0..<length]) }
            guard case .truncated = error else {
                Issue.record("cut at \(length): expected truncated, got \(error)")
                continue
            }
        }
    }

    @Test func brokenContentsAreNamed() throws {
        let cases: [(String, String)] = [
            ("bad_deflate.png", "compressed image data is corrupt"),
            ("bad_short_data.png", "holds 8 bytes once decompressed; the size needs 10"),
            ("bad_long_data.png", "more than the 10 bytes"),
            ("bad_filter.png", "row 0: unknown filter type 7"),
            ("bad_palette_index.png", "palette entry 2; the palette has 2"),
            ("bad_critical_chunk.png", "critical chunk ZZZZ"),
            ("bad_bit_depth.png", "bit depth 4 with color type 2"),
            ("bad_no_iend.png", "before the IEND chunk"),
        ]
        for (name, phrase) in cases {
            let error = try #require(throws: PNGError.self) { try PNGDecoder().decode(try PNGFixture.bytes(name)) }
            #expect(error.description.contains(phrase), "\(name): \(error)")
        }
    }

    @Test func pixelLimitRefusesBeforeInflating() throws {
        let bytes = try PNGFixture.bytes("gray8_interlaced.png")
        #expect(throws: PNGError.tooLarge(width: 10, height: 9, limit: 50)) { try PNGDecoder(maxPixels: 50).decode(bytes) }
    }

    @Test func paethPredictor() {
        #expect(PNGFilter.paeth(1, 5, 3) == 3)  // p = 3: distances 2, 2, 0
        #expect(PNGFilter.paeth(4, 6, 0) == 6)  // p = 10: distances 6, 4, 10
        #expect(PNGFilter.paeth(6, 4, 0) == 6)  // p = 10: distances 4, 6, 10
        #expect(PNGFilter.paeth(5, 9, 1) == 9)  // p = 13: distances 8, 4, 12
        #expect(PNGFilter.paeth(3, 3, 9) == 3)  // p = -3: a tie between left and up goes to left
    }
}

@Suite struct PNGEncoderTests {
    @Test(arguments: [1, 2, 3, 4])
    func roundTrips(_ channels: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let samples = (0..<(13 * 7 * channels)).map { _ in UInt16(generator.next(upperBound: UInt64(256))) }
        let image = Image(width: 13, height: 7, channels: channels, maxValue: 255, samples: samples)
        #expect(try PNGDecoder().decode(try PNGEncoder.encode(image)) == image)
    }

    @Test func matchesTheGoldenEncodersPixels() throws {
        let decoded = try PNGDecoder().decode(try PNGFixture.bytes("rgb8_filters.png"))
        #expect(try PNGDecoder().decode(try PNGEncoder.encode(decoded)) == decoded)
    }

    @Test func refusesSixteenBitSamples() {
        let image = Image(width: 1, height: 1, channels: 1, maxValue: 65535, samples: [1000])
        #expect(throws: PNGEncoder.Failure.self) { try PNGEncoder.encode(image) }
    }
}
