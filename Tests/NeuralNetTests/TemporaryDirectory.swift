// A fresh directory per test, removed when the test lets go of it.
// (PlatformTests compiles this file too, through a symbolic link.)

import Foundation

final class TemporaryDirectory {
    let url: URL

    init(_ label: String = "orchard-tests") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let file = path(name)
        try! Data(text.utf8).write(to: file)
        return file.path
    }

    /// The names in the directory (hidden ones included), sorted.
    var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}

/// The description of the error `body` throws, or nil when it does not throw.
func errorDescription(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}
