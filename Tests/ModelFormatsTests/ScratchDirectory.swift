// Scratch directory and byte-level helpers for safetensors tests.

import Foundation

final class ScratchDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("modelformats-tests-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes raw bytes and returns the path.
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let target = file(name)
        try! Data(bytes).write(to: target)
        return target.path
    }

    func contents() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: url.path).sorted()) ?? []
    }
}

/// A safetensors file built by hand: 8-byte little-endian length, JSON, data.
func safetensorsBytes(_ json: String, _ data: [UInt8]) -> [UInt8] {
    let header = Array(json.utf8)
    let length = UInt64(header.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + header + data
}

func littleEndian(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

/// The description of the error thrown by `body`, or nil if it did not throw.
func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}
