// Errors from reading or writing safetensors files. Each names the file and,
// where relevant, the tensor, its offsets and what was expected.

public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotOpen(path: String, reason: String)
    case fileTooSmall(path: String, size: Int)
    case headerTooLarge(path: String, length: UInt64, limit: Int)
    case headerBeyondFile(path: String, length: UInt64, available: Int)
    case headerNotJSON(path: String, detail: String)
    case invalidEntry(path: String, tensor: String, problem: String)
    case invalidMetadata(path: String, problem: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    case negativeDimension(path: String, tensor: String, shape: [Int])
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, bufferSize: Int)
    case sizeMismatch(path: String, tensor: String, dtype: String, shape: [Int], expectedBytes: Int, begin: Int, end: Int)
    case overlap(path: String, tensor: String, range: Range<Int>, previous: String, previousRange: Range<Int>)
    case gap(path: String, tensor: String, begin: Int, previous: String?, expectedBegin: Int)
    case trailingBytes(path: String, coveredUpTo: Int, bufferSize: Int)
    case noSuchTensor(path: String, name: String, available: [String])
    case wrongDType(path: String, tensor: String, dtype: String, accepted: String)
    case valueOutOfRange(path: String, tensor: String, index: Int)
    case invalidTensor(path: String, tensor: String, problem: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open safetensors file (\(reason))"
        case .fileTooSmall(let path, let size):
            return "\(path): file is \(size) bytes; a safetensors file starts with an 8-byte header length"
        case .headerTooLarge(let path, let length, let limit):
            return "\(path): header length \(length) exceeds the \(limit)-byte limit; the file is corrupt or not safetensors"
        case .headerBeyondFile(let path, let length, let available):
            return "\(path): header length \(length) runs past the end of the file (only \(available) bytes follow the length field); the file is truncated or not safetensors"
        case .headerNotJSON(let path, let detail):
            return "\(path): header is not a valid JSON object (\(detail))"
        case .invalidEntry(let path, let tensor, let problem):
            return "\(path): tensor '\(tensor)': \(problem)"
        case .invalidMetadata(let path, let problem):
            return "\(path): __metadata__: \(problem)"
        case .unknownDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)': unknown dtype '\(dtype)'; expected one of \(SafetensorsDType.allNames)"
        case .negativeDimension(let path, let tensor, let shape):
            return "\(path): tensor '\(tensor)': shape \(shape) has a negative dimension"
        case .offsetsOutOfRange(let path, let tensor, let begin, let end, let bufferSize):
            return "\(path): tensor '\(tensor)': data_offsets [\(begin), \(end)] lie outside the \(bufferSize)-byte data buffer"
        case .sizeMismatch(let path, let tensor, let dtype, let shape, let expected, let begin, let end):
            return "\(path): tensor '\(tensor)': \(dtype) shape \(shape) needs \(expected) bytes, but data_offsets [\(begin), \(end)] span \(end - begin)"
        case .overlap(let path, let tensor, let range, let previous, let previousRange):
            return "\(path): tensor '\(tensor)' (bytes \(range)) overlaps tensor '\(previous)' (bytes \(previousRange))"
        case .gap(let path, let tensor, let begin, let previous, let expectedBegin):
            let after = previous.map { "tensor '\($0)' ends" } ?? "the buffer starts"
            return "\(path): tensor '\(tensor)' starts at byte \(begin) but \(after) at \(expectedBegin); "
                + "tensors must cover the data buffer contiguously (bytes \(expectedBegin)..<\(begin) are unused)"
        case .trailingBytes(let path, let covered, let bufferSize):
            return "\(path): tensors cover bytes 0..<\(covered) but the data buffer is \(bufferSize) bytes; "
                + "\(bufferSize - covered) trailing bytes belong to no tensor"
        case .noSuchTensor(let path, let name, let available):
            let shown = available.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            let more = available.count > 8 ? ", … (\(available.count) tensors in all)" : ""
            return "\(path): no tensor named '\(name)'; available: \(available.isEmpty ? "none" : shown + more)"
        case .wrongDType(let path, let tensor, let dtype, let accepted):
            return "\(path): tensor '\(tensor)' has dtype \(dtype); this accessor reads \(accepted)"
        case .valueOutOfRange(let path, let tensor, let index):
            return "\(path): tensor '\(tensor)': element \(index) does not fit in Int64"
        case .invalidTensor(let path, let tensor, let problem):
            return "\(path): cannot write tensor '\(tensor)': \(problem)"
        case .writeFailed(let path, let reason):
            return "\(path): write failed (\(reason))"
        }
    }
}
