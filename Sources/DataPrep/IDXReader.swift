// Reader for the IDX format used by the MNIST distribution files
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, …).
//
// Layout (all multi-byte integers big-endian):
//
//   offset  size      field
//   0       2         zero bytes 0x00 0x00
//   2       1         element type code:
//                       0x08 u8   (1 byte)     0x09 i8  (1 byte)
//                       0x0B i16  (2 bytes)    0x0C i32 (4 bytes)
//                       0x0D f32  (4 bytes)    0x0E f64 (8 bytes)
//   3       1         number of dimensions D (≥ 1)
//   4       4·D       dimension sizes, u32 each, outermost first
//   4+4·D   N·size    data, row-major, big-endian, N = product of the sizes
//
// e.g. magic 0x00000803 = u8 with 3 dims (images), 0x00000801 = u8 with 1 dim
// (labels). The file must be exactly 4 + 4·D + N·size bytes: the magic, type
// code, dimension count and total size are all checked before any data byte
// is read. Gzip-compressed files (as downloaded) are detected and refused
// with a hint to decompress them.

public enum IDXReader {
    public static func read(path: String) throws -> IDXArray {
        let bytes = try FileBytes.read(path: path)
        return try parse(bytes, source: path)
    }

    /// Parses IDX bytes already in memory; `source` names them in errors.
    public static func parse(_ bytes: [UInt8], source path: String) throws -> IDXArray {
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B {
            throw DataError.idxCompressed(path: path)
        }
        guard bytes.count >= 4 else {
            throw DataError.idxTooShort(path: path, size: bytes.count, needed: 4)
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError.idxBadMagic(path: path, found: Array(bytes[0..<4]))
        }
        let code = bytes[2]
        guard let elementSize = elementSize(code) else {
            throw DataError.idxUnknownType(path: path, code: code)
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw DataError.idxNoDimensions(path: path) }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError.idxTooShort(path: path, size: bytes.count, needed: headerSize)
        }

        var shape: [Int] = []
        var count = 1
        var overflow = false
        for d in 0..<rank {
            let dim = Int(bigEndianUInt32(bytes, at: 4 + 4 * d))
            shape.append(dim)
            let (product, didOverflow) = count.multipliedReportingOverflow(by: dim)
            count = product
            overflow = overflow || didOverflow
        }
        let (dataSize, sizeOverflow) = count.multipliedReportingOverflow(by: elementSize)
        let (expected, totalOverflow) = dataSize.addingReportingOverflow(headerSize)
        if overflow || sizeOverflow || totalOverflow {
            throw DataError.idxTooLarge(path: path, shape: shape)
        }
        guard expected == bytes.count else {
            throw DataError.idxSizeMismatch(path: path, shape: shape, expected: expected, actual: bytes.count)
        }

        let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            var offset = headerSize
            for i in 0..<count {
                out[i] = decode(bytes, at: offset, code: code)
                offset += elementSize
            }
            initialized = count
        }
        return IDXArray(shape: shape, values: values)
    }

    static func elementSize(_ code: UInt8) -> Int? {
        switch code {
        case 0x08, 0x09: return 1
        case 0x0B: return 2
        case 0x0C, 0x0D: return 4
        case 0x0E: return 8
        default: return nil
        }
    }

    @inline(__always)
    private static func decode(_ bytes: [UInt8], at offset: Int, code: UInt8) -> Float {
        switch code {
        case 0x08: return Float(bytes[offset])
        case 0x09: return Float(Int8(bitPattern: bytes[offset]))
        case 0x0B: return Float(Int16(bitPattern: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])))
        case 0x0C: return Float(Int32(bitPattern: bigEndianUInt32(bytes, at: offset)))
        case 0x0D: return Float(bitPattern: bigEndianUInt32(bytes, at: offset))
        default:
            let high = UInt64(bigEndianUInt32(bytes, at: offset))
            let low = UInt64(bigEndianUInt32(bytes, at: offset + 4))
            return Float(Double(bitPattern: high << 32 | low))
        }
    }

    @inline(__always)
    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
