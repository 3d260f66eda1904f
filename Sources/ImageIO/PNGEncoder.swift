import CZlib

/// Writes 8-bit PNGs (gray, gray + alpha, RGB, RGBA), non-interlaced, each
/// row with the Paeth filter, zlib level 6. Small on purpose: for examples,
/// tests and tools that hand images to models.
public enum PNGEncoder {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsupported(String)

        public var description: String {
            switch self {
            case .unsupported(let message): "cannot write this image as PNG: \(message)"
            }
        }
    }

    public static func encode(_ image: Image) throws -> [UInt8] {
        guard image.maxValue == 255, image.samples.allSatisfy({ $0 <= 255 }) else {
            throw Failure.unsupported("only 8-bit samples (maxValue 255)")
        }
        let colorType: UInt8
        switch image.channels {
        case 1: colorType = 0
        case 2: colorType = 4
        case 3: colorType = 2
        case 4: colorType = 6
        default: throw Failure.unsupported("\(image.channels) channels")
        }
        let rowBytes = image.width * image.channels
        var filtered: [UInt8] = []
        filtered.reserveCapacity(image.height * (rowBytes + 1))
        let raw = image.samples.map { UInt8($0) }
        for row in 0..<image.height {
            filtered.append(4)
            for i in 0..<rowBytes {
                let at = row * rowBytes + i
                let left = i >= image.channels ? Int(raw[at - image.channels]) : 0
                let up = row > 0 ? Int(raw[at - rowBytes]) : 0
                let upLeft = row > 0 && i >= image.channels ? Int(raw[at - rowBytes - image.channels]) : 0
                filtered.append(raw[at] &- UInt8(PNGFilter.paeth(left, up, upLeft)))
            }
        }
        var compressedLength = compressBound(uLong(filtered.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        guard compress2(&compressed, &compressedLength, filtered, uLong(filtered.count), 6) == Z_OK else {
            throw Failure.unsupported("zlib could not compress the rows")
        }
        var header: [UInt8] = []
        append(UInt32(image.width), to: &header)
        append(UInt32(image.height), to: &header)
        header += [8, colorType, 0, 0, 0]
        var file = PNGChunkReader.signature
        chunk("IHDR", header, to: &file)
        chunk("IDAT", Array(compressed.prefix(Int(compressedLength))), to: &file)
        chunk("IEND", [], to: &file)
        return file
    }

    static func chunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        append(UInt32(data.count), to: &file)
        let start = file.count
        file += Array(type.utf8) + data
        append(PNGChunkReader.crc(file, from: start, to: file.count), to: &file)
    }

    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
