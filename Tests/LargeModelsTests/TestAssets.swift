import Foundation

/// Paths of the model files some tests need. They live in the asset cache
/// (`scripts/fetch-assets`), never in the repository; a missing file fails
/// the test with the command that fetches it.
enum TestAssets {
    static var cache: String {
        ProcessInfo.processInfo.environment["ORCHARD_CACHE"] ?? (NSHomeDirectory() + "/.cache/orchard")
    }
    static var smolLM2: String { cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }
    static var miniLM: String { cache + "/models/all-MiniLM-L6-v2" }

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "model file \(path) is missing; run scripts/fetch-assets (or set ORCHARD_CACHE)" }
    }

    static func require(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return path
    }

    static func fixture(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil) else {
            throw Missing(path: "Fixtures/" + name)
        }
        return try Data(contentsOf: url)
    }
}
