import CZlib

/// One chunk of a PNG file, its CRC already checked.
struct PNGChunk {
    let type: String
    let data: ArraySlice<UInt8>
    /// Byte offset of the chunk's length field (for error messages).
    let offset: Int

    /// Ancillary chunks (lowercase first letter) may be skipped; critical ones may not.
    var isCritical: Bool { type.utf8.first.map { $0 >= 65 && $0 <= 90 } ?? false }
}

/// Splits a PNG file into chunks: checks the signature, each chunk's length
/// against the data left and its CRC-32, and stops after IEND.
enum PNGChunkReader {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func chunks(_ bytes: [UInt8]) throws -> [PNGChunk] {
        guard !bytes.isEmpty else { throw PNGError.truncated("the data is empty") }
        guard bytes.count >= 8 else {
            if Array(signature.prefix(bytes.count)) == bytes { throw PNGError.truncated("the data ends inside the 8-byte signature") }
            throw PNGError.notPNG
        }
        guard Array(bytes[0..<8]) == signature else { throw PNGError.notPNG }
        var chunks: [PNGChunk] = []
        var offset = 8
        while true {
            guard offset < bytes.count else {
                let last = chunks.last.map { "after chunk \($0.type)" } ?? "after the signature"
                throw PNGError.truncated("the data ends \(last), before the IEND chunk")
            }
            guard offset + 8 <= bytes.count else {
                throw PNGError.truncated("the data ends inside the chunk header at byte \(offset)")
            }
            let length = Int(BigEndian.uint32(bytes, at: offset))
            let typeBytes = bytes[(offset + 4)..<(offset + 8)]
            guard typeBytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) }) else {
                throw PNGError.invalid("the chunk type at byte \(offset + 4) is not four ASCII letters")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max) else { throw PNGError.invalid("chunk \(type) declares \(length) bytes (over 2³¹−1)") }
            let end = offset + 8 + length + 4
            guard end <= bytes.count else {
                throw PNGError.truncated("chunk \(type) at byte \(offset) needs \(length + 4) bytes of data and CRC, "
                                         + "\(bytes.count - offset - 8) remain")
            }
            let stored = BigEndian.uint32(bytes, at: end - 4)
            let computed = crc(bytes, from: offset + 4, to: end - 4)
            guard stored == computed else { throw PNGError.crcMismatch(chunk: type, stored: stored, computed: computed) }
            chunks.append(PNGChunk(type: type, data: bytes[(offset + 8)..<(end - 4)], offset: offset))
            offset = end
            if type == "IEND" { return chunks }
        }
    }

    /// CRC-32 (ISO 3309, as PNG and zlib define it) of `bytes[from..<to]`.
    static func crc(_ bytes: [UInt8], from start: Int, to end: Int) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(crc32(0, buffer.baseAddress! + start, uInt(end - start)))
        }
    }
}
