import Crypto
import Foundation
import Platform
import Testing

@Suite struct ArtifactStoreTests {
    func makeStore() throws -> FolderArtifactStore {
        try FolderArtifactStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("orchard-artifacts-\(UUID().uuidString)"))
    }

    @Test func contentAddressedAndAtomic() throws {
        let store = try makeStore()
        let data = Data("hello, orchard".utf8)
        let digest = try store.put(data)
        #expect(digest == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
        #expect(try store.data(for: digest) == data)
        #expect(try store.put(data) == digest)  // same content, same address
        #expect(store.contains(digest))
        // An aborted upload leaves nothing behind.
        let upload = try store.beginUpload()
        try upload.write(Data("partial".utf8))
        upload.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent("tmp").path).isEmpty)
        try store.delete(digest)
        #expect(!store.contains(digest))
        #expect(throws: ServiceError.self) { _ = try store.fileURL(for: digest) }
        #expect(throws: ServiceError.self) { _ = try store.fileURL(for: "../../etc/passwd") }
    }
}
