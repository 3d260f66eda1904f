// Reader for GGUF, ggml's model file format (ggml docs/gguf.md, src/gguf.cpp).
//
// Layout (all integers little-endian):
//
//   u32  magic          "GGUF" (0x46554747 read as u32)
//   u32  version        2 or 3 (version 1 used u32 counts and is refused)
//   u64  tensor_count
//   u64  metadata_kv_count
//   metadata_kv_count × { string key; u32 value_type; value }
//   tensor_count × {
//       string name; u32 n_dims (1…4); u64 dims[n_dims];  (dims[0] is the contiguous row length)
//       u32 ggml_type; u64 offset                        (relative to the data section)
//   }
//   padding to a multiple of `general.alignment` (u32 metadata key, default 32, a power of two)
//   data section: each tensor at its offset (a multiple of the alignment)
//
// string  = u64 byte count + UTF-8 bytes (no terminator)
// value_type: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool (one byte, 0 or 1), 8 string,
//             9 array = u32 element type + u64 count + elements (arrays may nest),
//             10 u64, 11 i64, 12 f64
//
// Validation before any byte is trusted: magic and version; every read is
// bounds-checked against the file size (errors name the offset and what was
// being read); counts are bounded by the bytes that remain (each entry needs
// at least a few bytes), strings are valid UTF-8 and keys unique; tensor dims
// are positive, their product fits and the row length is a multiple of the
// type's block size; types are known; each tensor's offset is aligned and its
// bytes lie inside the data section. The file is memory-mapped once; tensor
// data is handed out as pointers into the mapping.

import Foundation

public final class GGUFFile: @unchecked Sendable {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var type: GGMLType
        /// ggml order: dims[0] is the row length (contiguous).
        public var dims: [Int]
        /// Offset in the data section.
        public var offset: Int
        public var elementCount: Int { dims.reduce(1, *) }
        public var byteCount: Int { elementCount / type.blockSize * type.bytesPerBlock }
        /// Number of rows (product of dims[1...]).
        public var rowCount: Int { dims.dropFirst().reduce(1, *) }
    }

    public let path: String
    public let version: UInt32
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [Tensor]
    public let alignment: Int
    /// Absolute file offset of the data section.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]
    private let file: MappedFile

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch let error as SafetensorsError {
            if case .cannotOpen(_, let reason) = error { throw GGUFError.cannotOpen(path: path, reason: reason) }
            throw error
        }
        var reader = Reader(bytes: file.bytes, path: path)
        let magic = try reader.u32("magic")
        guard magic == 0x4655_4747 else {
            throw GGUFError.malformed(path: path, offset: 0, expected: "magic \"GGUF\" (47 47 55 46)",
                                      found: String(format: "%08x", magic.byteSwapped))
        }
        version = try reader.u32("version")
        guard version == 2 || version == 3 else {
            throw GGUFError.malformed(path: path, offset: 4, expected: "version 2 or 3", found: "version \(version)")
        }
        let tensorCountOffset = reader.offset
        let tensorCount = try reader.u64("tensor count")
        let kvCountOffset = reader.offset
        let kvCount = try reader.u64("metadata count")
        // A key-value needs ≥ 13 bytes (empty key, type, one-byte value); a tensor info ≥ 28.
        guard kvCount <= UInt64(reader.remaining / 13) else {
            throw GGUFError.malformed(path: path, offset: kvCountOffset,
                                      expected: "a metadata count that fits in the \(reader.remaining) remaining bytes",
                                      found: "\(kvCount)")
        }
        guard tensorCount <= UInt64(reader.remaining / 28) else {
            throw GGUFError.malformed(path: path, offset: tensorCountOffset,
                                      expected: "a tensor count that fits in the \(reader.remaining) remaining bytes",
                                      found: "\(tensorCount)")
        }

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<Int(kvCount) {
            let keyOffset = reader.offset
            let key = try reader.string("metadata key")
            guard metadata[key] == nil else {
                throw GGUFError.malformed(path: path, offset: keyOffset, expected: "a unique metadata key", found: "'\(key)' again")
            }
            let typeOffset = reader.offset
            let type = try reader.u32("type of '\(key)'")
            metadata[key] = try reader.value(type: type, typeOffset: typeOffset, key: key, depth: 0)
            keys.append(key)
        }
        metadataKeys = keys
        self.metadata = metadata

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.intValue, a > 0, a & (a - 1) == 0 else {
                throw GGUFError.wrongValueType(path: path, key: "general.alignment",
                                               expected: "a power-of-two integer", found: value.description)
            }
            alignment = a
        }
        self.alignment = alignment

        var tensors: [Tensor] = []
        var index: [String: Int] = [:]
        for _ in 0..<Int(tensorCount) {
            let nameOffset = reader.offset
            let name = try reader.string("tensor name")
            guard index[name] == nil else {
                throw GGUFError.malformed(path: path, offset: nameOffset, expected: "a unique tensor name", found: "'\(name)' again")
            }
            let dimsOffset = reader.offset
            let nDims = try reader.u32("dimension count of '\(name)'")
            guard (1...4).contains(nDims) else {
                throw GGUFError.malformed(path: path, offset: dimsOffset, expected: "1 to 4 dimensions for tensor '\(name)'", found: "\(nDims)")
            }
            var dims: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let at = reader.offset
                let raw = try reader.u64("dimension \(d) of '\(name)'")
                guard raw > 0, raw < 1 << 40 else {
                    throw GGUFError.malformed(path: path, offset: at, expected: "a positive dimension for tensor '\(name)'", found: "\(raw)")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(raw))
                guard !overflow, product < 1 << 50 else {
                    throw GGUFError.malformed(path: path, offset: at, expected: "an element count that fits for tensor '\(name)'", found: "overflow")
                }
                elements = product
                dims.append(Int(raw))
            }
            let typeOffset = reader.offset
            let rawType = try reader.u32("type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.malformed(path: path, offset: typeOffset, expected: "a known ggml type for tensor '\(name)'", found: "type \(rawType)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw GGUFError.malformed(path: path, offset: dimsOffset,
                                          expected: "a row length that is a multiple of \(type)'s block of \(type.blockSize) for '\(name)'",
                                          found: "\(dims[0])")
            }
            let offsetAt = reader.offset
            let offset = try reader.u64("data offset of '\(name)'")
            guard offset % UInt64(alignment) == 0, offset < 1 << 50 else {
                throw GGUFError.malformed(path: path, offset: offsetAt,
                                          expected: "a data offset aligned to \(alignment) for '\(name)'", found: "\(offset)")
            }
            index[name] = tensors.count
            tensors.append(Tensor(name: name, type: type, dims: dims, offset: Int(offset)))
        }
        let dataOffset = (reader.offset + alignment - 1) / alignment * alignment
        let dataSize = file.size - dataOffset
        for t in tensors {
            guard dataSize >= 0, t.offset + t.byteCount <= dataSize else {
                throw GGUFError.truncated(path: path, offset: dataOffset + t.offset, needed: t.byteCount,
                                          available: max(0, dataSize - t.offset), reading: "data of tensor '\(t.name)' (\(t.type), \(t.dims))")
            }
        }
        self.dataOffset = dataOffset
        self.tensors = tensors
        self.tensorIndex = index
    }

    // MARK: - Access

    public func tensor(_ name: String) -> Tensor? { tensorIndex[name].map { tensors[$0] } }

    public func requireTensor(_ name: String) throws -> Tensor {
        guard let t = tensor(name) else { throw GGUFError.noSuchTensor(path: path, name: name) }
        return t
    }

    /// The tensor's bytes in the mapping; valid as long as this file object lives.
    public func data(_ tensor: Tensor) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: file.base! + dataOffset + tensor.offset, count: tensor.byteCount)
    }

    public func value(_ key: String) throws -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError.noSuchKey(path: path, key: key) }
        return v
    }

    public func int(_ key: String) throws -> Int {
        let v = try value(key)
        guard let i = v.intValue else { throw GGUFError.wrongValueType(path: path, key: key, expected: "an integer", found: v.typeName) }
        return i
    }

    public func double(_ key: String) throws -> Double {
        let v = try value(key)
        guard let d = v.doubleValue else { throw GGUFError.wrongValueType(path: path, key: key, expected: "a number", found: v.typeName) }
        return d
    }

    public func string(_ key: String) throws -> String {
        let v = try value(key)
        guard let s = v.stringValue else { throw GGUFError.wrongValueType(path: path, key: key, expected: "a string", found: v.typeName) }
        return s
    }

    public func strings(_ key: String) throws -> [String] {
        let v = try value(key)
        guard let items = v.arrayValue else { throw GGUFError.wrongValueType(path: path, key: key, expected: "an array of strings", found: v.typeName) }
        return try items.map {
            guard let s = $0.stringValue else { throw GGUFError.wrongValueType(path: path, key: key, expected: "an array of strings", found: v.typeName) }
            return s
        }
    }

    public func ints(_ key: String) throws -> [Int] {
        let v = try value(key)
        guard let items = v.arrayValue else { throw GGUFError.wrongValueType(path: path, key: key, expected: "an array of integers", found: v.typeName) }
        return try items.map {
            guard let i = $0.intValue else { throw GGUFError.wrongValueType(path: path, key: key, expected: "an array of integers", found: v.typeName) }
            return i
        }
    }
}

/// Bounds-checked little-endian cursor over the mapped header.
private struct Reader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0
    static let maxDepth = 8

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    mutating func need(_ n: Int, _ what: String) throws {
        guard n <= remaining else {
            throw GGUFError.truncated(path: path, offset: offset, needed: n, available: remaining, reading: what)
        }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        try need(MemoryLayout<T>.size, what)
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return v
    }

    mutating func u32(_ what: String) throws -> UInt32 { try load(UInt32.self, what) }
    mutating func u64(_ what: String) throws -> UInt64 { try load(UInt64.self, what) }

    mutating func string(_ what: String) throws -> String {
        let at = offset
        let length = try u64("length of \(what)")
        guard length <= UInt64(remaining) else {
            throw GGUFError.truncated(path: path, offset: at, needed: Int(clamping: length), available: remaining, reading: what)
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))])
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw GGUFError.malformed(path: path, offset: offset, expected: "UTF-8 text for \(what)", found: "invalid UTF-8")
        }
        offset += Int(length)
        return s
    }

    mutating func value(type: UInt32, typeOffset: Int, key: String, depth: Int) throws -> GGUFValue {
        let what = "value of '\(key)'"
        switch type {
        case 0: return .uint8(try load(UInt8.self, what))
        case 1: return .int8(try load(Int8.self, what))
        case 2: return .uint16(try load(UInt16.self, what))
        case 3: return .int16(try load(Int16.self, what))
        case 4: return .uint32(try load(UInt32.self, what))
        case 5: return .int32(try load(Int32.self, what))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, what)))
        case 7:
            let at = offset
            let b = try load(UInt8.self, what)
            guard b <= 1 else { throw GGUFError.malformed(path: path, offset: at, expected: "bool 0 or 1 for '\(key)'", found: "\(b)") }
            return .bool(b == 1)
        case 8: return .string(try string(what))
        case 9:
            guard depth < Self.maxDepth else {
                throw GGUFError.malformed(path: path, offset: typeOffset, expected: "arrays nested at most \(Self.maxDepth) deep in '\(key)'", found: "deeper")
            }
            let elementTypeOffset = offset
            let elementType = try u32("array element type of '\(key)'")
            guard GGUFValue.typeNames[elementType] != nil else {
                throw GGUFError.malformed(path: path, offset: elementTypeOffset, expected: "a GGUF value type 0–12 for elements of '\(key)'", found: "\(elementType)")
            }
            let countOffset = offset
            let count = try u64("array length of '\(key)'")
            // Every element takes at least one byte (strings 8, arrays 12).
            guard count <= UInt64(remaining) else {
                throw GGUFError.malformed(path: path, offset: countOffset,
                                          expected: "an array length for '\(key)' that fits in the \(remaining) remaining bytes", found: "\(count)")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                items.append(try value(type: elementType, typeOffset: elementTypeOffset, key: key, depth: depth + 1))
            }
            return .array(elementType: elementType, items)
        case 10: return .uint64(try load(UInt64.self, what))
        case 11: return .int64(try load(Int64.self, what))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, what)))
        default:
            throw GGUFError.malformed(path: path, offset: typeOffset, expected: "a GGUF value type 0–12 for '\(key)'", found: "\(type)")
        }
    }
}
