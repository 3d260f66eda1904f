// Reader for the safetensors format (https://github.com/huggingface/safetensors).
//
// Layout:
//
//   offset   size   field
//   0        8      N: header length, unsigned 64-bit little-endian
//   8        N      header: UTF-8 JSON object, possibly padded with trailing
//                   spaces (writers pad to a multiple of 8; any N is accepted)
//   8 + N    rest   data buffer: tensors back to back, row-major, little-endian
//
// Header:
//   { "<tensor name>": { "dtype": "F32", "shape": [d0, d1, …],
//                        "data_offsets": [begin, end] },
//     …,
//     "__metadata__": { "<key>": "<value>", … } }      (optional, strings only)
//
// `data_offsets` are byte offsets relative to the start of the data buffer;
// `end - begin` must equal product(shape) × dtype size (a scalar has shape []).
// Dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U64 U32 U16 U8 BOOL.
//
// Validation before any tensor byte is trusted: the file has at least 8
// bytes; N ≤ 100 MB and N ≤ file size − 8; the header is a JSON object; each
// tensor has a known dtype, non-negative dimensions and in-range offsets whose
// span matches its shape; and the tensors, sorted by offset, tile the data
// buffer exactly (no overlap, no gap, no trailing bytes) like the reference
// implementation. The file is memory-mapped; tensors are read on demand.

import Foundation

public final class SafetensorsFile: @unchecked Sendable {
    public static let maxHeaderLength = 100_000_000

    public let path: String
    /// Tensor names in data-buffer order (by offset).
    public let tensorNames: [String]
    public let metadata: [String: String]
    /// Absolute file offset of the data buffer (8 + header length).
    public let dataOffset: Int

    private let file: MappedFile
    private let tensors: [String: TensorInfo]

    public convenience init(url: URL) throws {
        try self.init(path: url.path)
    }

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw SafetensorsError.fileTooSmall(path: path, size: bytes.count)
        }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= UInt64(Self.maxHeaderLength) else {
            throw SafetensorsError.headerTooLarge(path: path, length: length, limit: Self.maxHeaderLength)
        }
        guard length <= UInt64(bytes.count - 8) else {
            throw SafetensorsError.headerBeyondFile(path: path, length: length, available: bytes.count - 8)
        }
        dataOffset = 8 + Int(length)
        let header = try SafetensorsHeader.parse(
            UnsafeRawBufferPointer(rebasing: bytes[8..<dataOffset]),
            bufferSize: bytes.count - dataOffset, path: path)
        tensorNames = header.tensors.map(\.name)
        tensors = Dictionary(uniqueKeysWithValues: header.tensors.map { ($0.name, $0) })
        metadata = header.metadata
    }

    public func info(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else {
            throw SafetensorsError.noSuchTensor(path: path, name: name, available: tensorNames)
        }
        return info
    }

    /// The tensor's raw little-endian bytes, valid only inside `body`.
    public func withUnsafeBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let range = try info(name).byteRange
        let all = file.bytes
        return try body(UnsafeRawBufferPointer(rebasing: all[(dataOffset + range.lowerBound)..<(dataOffset + range.upperBound)]))
    }

    /// Values of an F32, F16, BF16 or F64 tensor as Float32 (F64 is rounded).
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name)
        let count = info.elementCount
        return try withUnsafeBytes(name) { raw -> [Float] in
            switch info.dtype {
            case .f32:
                return [Float](unsafeUninitializedCapacity: count) { out, n in
                    #if _endian(little)
                    UnsafeMutableRawBufferPointer(out).copyMemory(from: raw)
                    #else
                    for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                    #endif
                    n = count
                }
            case .f16:
                return (0..<count).map { i in
                    HalfPrecision.float(fromF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .bf16:
                return (0..<count).map { i in
                    HalfPrecision.float(fromBF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                }
            case .f64:
                return (0..<count).map { i in
                    Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            default:
                throw SafetensorsError.wrongDType(path: path, tensor: name, dtype: info.dtype.rawValue, accepted: "F32, F16, BF16, F64")
            }
        }
    }

    /// Values of an integer or BOOL tensor widened to Int64.
    public func int64s(_ name: String) throws -> [Int64] {
        let info = try info(name)
        let count = info.elementCount
        return try withUnsafeBytes(name) { raw -> [Int64] in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch info.dtype {
            case .i64: return (0..<count).map { load(Int64.self, $0) }
            case .i32: return (0..<count).map { Int64(load(Int32.self, $0)) }
            case .i16: return (0..<count).map { Int64(load(Int16.self, $0)) }
            case .i8: return (0..<count).map { Int64(load(Int8.self, $0)) }
            case .u32: return (0..<count).map { Int64(load(UInt32.self, $0)) }
            case .u16: return (0..<count).map { Int64(load(UInt16.self, $0)) }
            case .u8: return (0..<count).map { Int64(load(UInt8.self, $0)) }
            case .bool: return (0..<count).map { load(UInt8.self, $0) != 0 ? 1 : 0 }
            case .u64:
                return try (0..<count).map { i in
                    guard let value = Int64(exactly: load(UInt64.self, i)) else {
                        throw SafetensorsError.valueOutOfRange(path: path, tensor: name, index: i)
                    }
                    return value
                }
            default:
                throw SafetensorsError.wrongDType(
                    path: path, tensor: name, dtype: info.dtype.rawValue,
                    accepted: "I64, I32, I16, I8, U64, U32, U16, U8, BOOL")
            }
        }
    }
}
