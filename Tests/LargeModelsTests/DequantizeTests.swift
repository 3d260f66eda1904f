import Foundation
import ModelFormats
import Testing
@testable import LargeModels

/// The scalar dequantizers against the `gguf` Python package's (bench/golden/make_llm_fixtures.py).
struct DequantizeTests {
    struct Case: Decodable { let type: String; let source: String; let count: Int; let bytes_hex: String; let values: [Float] }
    struct File: Decodable { let cases: [Case] }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test func matchesGGUFPackage() throws {
        let file = try JSONDecoder().decode(File.self, from: TestAssets.fixture("dequantize.json"))
        let types: [String: GGMLType] = ["Q4_0": .q4_0, "Q4_1": .q4_1, "Q8_0": .q8_0, "Q4_K": .q4_K, "Q6_K": .q6_K, "F16": .f16, "BF16": .bf16]
        #expect(Set(file.cases.map(\.type)) == Set(types.keys))
        for c in file.cases {
            let type = try #require(types[c.type])
            let raw = Self.bytes(c.bytes_hex)
            #expect(raw.count == type.rowBytes(c.count))
            let values = try raw.withUnsafeBytes { try Dequantize.row(type, $0.baseAddress!, count: c.count) }
            for (i, (a, b)) in zip(values, c.values).enumerated() {
                // numpy computes some products in a different order: allow 1 ulp-scale slack.
                #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(c.type) (\(c.source)) element \(i): \(a) vs \(b)")
            }
        }
    }
}
