import Foundation

/// Writes a POSIX ustar archive of regular files (what `tar -x` reads):
/// per file a 512-byte header (name, mode, size in octal, checksum), the
/// contents padded to 512 bytes; two zero blocks end the archive.
enum TarWriter {
    static func archive(_ files: [(name: String, contents: Data)]) throws -> Data {
        var output = Data()
        for file in files {
            var header = [UInt8](repeating: 0, count: 512)
            let name = Array(file.name.utf8)
            guard name.count < 100 else { throw ServiceError.invalid(field: nil, message: "tar entry name too long: \(file.name)") }
            func put(_ text: String, at offset: Int, width: Int) {
                for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
            }
            header.replaceSubrange(0..<name.count, with: name)
            put("0000644\0", at: 100, width: 8)  // mode
            put("0000000\0", at: 108, width: 8)  // uid
            put("0000000\0", at: 116, width: 8)  // gid
            put(String(format: "%011o\0", file.contents.count), at: 124, width: 12)
            put(String(format: "%011o\0", Int(Date().timeIntervalSince1970)), at: 136, width: 12)
            put("        ", at: 148, width: 8)  // checksum placeholder: spaces
            header[156] = UInt8(ascii: "0")  // regular file
            put("ustar\0", at: 257, width: 6)
            put("00", at: 263, width: 2)
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(String(format: "%06o\0 ", checksum), at: 148, width: 8)
            output.append(contentsOf: header)
            output.append(file.contents)
            let padding = (512 - file.contents.count % 512) % 512
            output.append(Data(count: padding))
        }
        output.append(Data(count: 1024))
        return output
    }
}
