// Decodes and validates the JSON header of a safetensors file (layout in
// SafetensorsFile.swift). Validation covers every tensor before any data
// byte is used: known dtype, non-negative shape, two in-range offsets whose
// span equals product(shape) × dtype size, and tensors that tile the data
// buffer exactly (no overlap, no gap, no trailing bytes), as the reference
// implementation requires.

import Foundation

struct SafetensorsHeader {
    /// Tensors sorted by position in the data buffer.
    var tensors: [TensorInfo]
    var metadata: [String: String]

    static func parse(_ json: UnsafeRawBufferPointer, bufferSize: Int, path: String) throws -> SafetensorsHeader {
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: Data(json))
        } catch let error as SafetensorsError {
            throw error
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw SafetensorsError.headerNotJSON(path: path, detail: Self.describe(context))
        } catch let error as DecodingError {
            throw Self.entryError(error, path: path)
        } catch {
            throw SafetensorsError.headerNotJSON(path: path, detail: "\(error)")
        }

        var tensors: [TensorInfo] = []
        for (name, entry) in raw.entries {
            tensors.append(try validate(name: name, entry: entry, bufferSize: bufferSize, path: path))
        }
        tensors.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }

        var covered = 0
        var previous: TensorInfo?
        for tensor in tensors {
            let begin = tensor.byteRange.lowerBound
            if begin < covered, let previous {
                throw SafetensorsError.overlap(
                    path: path, tensor: tensor.name, range: tensor.byteRange,
                    previous: previous.name, previousRange: previous.byteRange)
            }
            if begin > covered {
                throw SafetensorsError.gap(
                    path: path, tensor: tensor.name, begin: begin, previous: previous?.name, expectedBegin: covered)
            }
            covered = tensor.byteRange.upperBound
            previous = tensor
        }
        if covered != bufferSize {
            throw SafetensorsError.trailingBytes(path: path, coveredUpTo: covered, bufferSize: bufferSize)
        }
        return SafetensorsHeader(tensors: tensors, metadata: raw.metadata)
    }

    private static func validate(name: String, entry: RawTensor, bufferSize: Int, path: String) throws -> TensorInfo {
        guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
            throw SafetensorsError.unknownDType(path: path, tensor: name, dtype: entry.dtype)
        }
        if entry.shape.contains(where: { $0 < 0 }) {
            throw SafetensorsError.negativeDimension(path: path, tensor: name, shape: entry.shape)
        }
        guard entry.data_offsets.count == 2 else {
            throw SafetensorsError.invalidEntry(
                path: path, tensor: name,
                problem: "data_offsets must be [begin, end], found \(entry.data_offsets.count) numbers")
        }
        let begin = entry.data_offsets[0]
        let end = entry.data_offsets[1]
        guard begin >= 0, begin <= end else {
            throw SafetensorsError.invalidEntry(
                path: path, tensor: name, problem: "data_offsets [\(begin), \(end)] must satisfy 0 ≤ begin ≤ end")
        }
        guard end <= bufferSize else {
            throw SafetensorsError.offsetsOutOfRange(path: path, tensor: name, begin: begin, end: end, bufferSize: bufferSize)
        }
        var bytes = dtype.size
        for dim in entry.shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw SafetensorsError.invalidEntry(path: path, tensor: name, problem: "shape \(entry.shape) is too large")
            }
            bytes = product
        }
        guard bytes == end - begin else {
            throw SafetensorsError.sizeMismatch(
                path: path, tensor: name, dtype: dtype.rawValue, shape: entry.shape,
                expectedBytes: bytes, begin: begin, end: end)
        }
        return TensorInfo(name: name, dtype: dtype, shape: entry.shape, byteRange: begin..<end)
    }

    private static func entryError(_ error: DecodingError, path: String) -> SafetensorsError {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
        case .keyNotFound(let key, let c):
            let tensor = c.codingPath.first?.stringValue ?? key.stringValue
            return .invalidEntry(path: path, tensor: tensor, problem: "missing field '\(key.stringValue)'")
        @unknown default:
            return .headerNotJSON(path: path, detail: "\(error)")
        }
        guard let tensor = context.codingPath.first?.stringValue else {
            return .headerNotJSON(path: path, detail: describe(context))
        }
        if tensor == "__metadata__" {
            return .invalidMetadata(path: path, problem: "must map strings to strings (\(describe(context)))")
        }
        let field = context.codingPath.dropFirst().map(\.stringValue).joined(separator: ".")
        return .invalidEntry(path: path, tensor: tensor, problem: "\(field.isEmpty ? "entry" : "field '\(field)'"): \(describe(context))")
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError { return "\(context.debugDescription): \(underlying)" }
        return context.debugDescription
    }
}

/// The header as written, before validation.
private struct RawHeader: Decodable {
    var entries: [(String, RawTensor)] = []
    var metadata: [String: String] = [:]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                if try container.decodeNil(forKey: key) { continue }
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries.append((key.stringValue, try container.decode(RawTensor.self, forKey: key)))
            }
        }
    }
}

private struct RawTensor: Decodable {
    var dtype: String
    var shape: [Int]
    var data_offsets: [Int]

    enum CodingKeys: String, CodingKey {
        case dtype, shape, data_offsets
    }

    // Numbers are decoded as Double and then checked, so "1.5" or "1e30"
    // gets a precise message instead of the decoder's generic "not valid JSON".
    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dtype = try container.decode(String.self, forKey: .dtype)
        shape = try Self.integers(container, .shape)
        data_offsets = try Self.integers(container, .data_offsets)
    }

    private static func integers(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Int] {
        let numbers = try container.decode([Double].self, forKey: key)
        return try numbers.map { number in
            guard let value = Int(exactly: number) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "\(number) is not a whole number in the Int range")
            }
            return value
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
