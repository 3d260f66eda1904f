// Writes F32 tensors as a safetensors file (layout in SafetensorsFile.swift).
//
// Output is deterministic: tensors appear in the order given, packed back to
// back from offset 0; the JSON header is written by hand with keys in a fixed
// order ("__metadata__" first with keys sorted, then each tensor's "dtype",
// "shape", "data_offsets") and padded with spaces to a multiple of 8 bytes.
//
// The write is atomic: bytes go to a temporary file in the destination's
// directory, which is fsynced and then renamed over the destination, so a
// crash leaves either the old file or the complete new one.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum SafetensorsWriter {
    public static func write(
        tensors: [(name: String, shape: [Int], values: [Float])],
        metadata: [String: String] = [:],
        to url: URL
    ) throws {
        let path = url.path
        let header = try headerBytes(tensors: tensors, metadata: metadata, path: path)

        let directory = url.deletingLastPathComponent().path
        let tempPath = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw SafetensorsError.writeFailed(path: path, reason: "cannot create \(tempPath): \(lastError())")
        }
        var committed = false
        defer {
            if !committed {
                close(fd)
                unlink(tempPath)
            }
        }

        var length = UInt64(header.count).littleEndian
        try Swift.withUnsafeBytes(of: &length) { try writeAll(fd, $0, path: path) }
        try header.withUnsafeBytes { try writeAll(fd, $0, path: path) }
        for tensor in tensors {
            #if _endian(little)
            try tensor.values.withUnsafeBytes { try writeAll(fd, $0, path: path) }
            #else
            let swapped = tensor.values.map { $0.bitPattern.littleEndian }
            try swapped.withUnsafeBytes { try writeAll(fd, $0, path: path) }
            #endif
        }
        guard fsync(fd) == 0 else {
            throw SafetensorsError.writeFailed(path: path, reason: "fsync: \(lastError())")
        }
        committed = true
        guard close(fd) == 0 else {
            unlink(tempPath)
            throw SafetensorsError.writeFailed(path: path, reason: "close: \(lastError())")
        }
        guard rename(tempPath, path) == 0 else {
            let reason = lastError()
            unlink(tempPath)
            throw SafetensorsError.writeFailed(path: path, reason: "rename from \(tempPath): \(reason)")
        }
        // Persist the rename itself; best effort (not every filesystem allows it).
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// The padded JSON header. Validates names and shapes first.
    static func headerBytes(
        tensors: [(name: String, shape: [Int], values: [Float])],
        metadata: [String: String], path: String
    ) throws -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
            json += "\"__metadata__\":{" + entries.joined(separator: ",") + "}"
            first = false
        }
        var seen = Set<String>()
        var offset = 0
        for tensor in tensors {
            let name = tensor.name
            if name.isEmpty || name == "__metadata__" {
                throw SafetensorsError.invalidTensor(path: path, tensor: name, problem: "the name must be non-empty and not '__metadata__'")
            }
            if !seen.insert(name).inserted {
                throw SafetensorsError.invalidTensor(path: path, tensor: name, problem: "the name is used twice")
            }
            if tensor.shape.contains(where: { $0 < 0 }) {
                throw SafetensorsError.invalidTensor(path: path, tensor: name, problem: "shape \(tensor.shape) has a negative dimension")
            }
            var count = 1
            for dim in tensor.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dim)
                if overflow {
                    throw SafetensorsError.invalidTensor(path: path, tensor: name, problem: "shape \(tensor.shape) is too large")
                }
                count = product
            }
            guard count == tensor.values.count else {
                throw SafetensorsError.invalidTensor(
                    path: path, tensor: name,
                    problem: "shape \(tensor.shape) holds \(count) values but \(tensor.values.count) were given")
            }
            let end = offset + 4 * count
            if !first { json += "," }
            first = false
            json += quoted(name) + ":{\"dtype\":\"F32\",\"shape\":["
                + tensor.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var bytes = Array(json.utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < buffer.count {
            let n = posixWrite(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw SafetensorsError.writeFailed(path: path, reason: "write: \(lastError())")
            }
            done += n
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
