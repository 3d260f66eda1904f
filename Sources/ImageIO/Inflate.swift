import CZlib

/// zlib decompression (RFC 1950: header, deflate stream, Adler-32 checked by
/// zlib) into exactly `expectedBytes`; fewer or more is an error.
enum Inflate {
    private enum Outcome {
        case ended
        case overflow
        case failed(Int32)
    }

    static func zlibStream(_ input: [UInt8], expectedBytes: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedBytes)
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw PNGError.invalid("zlib could not start decompressing")
        }
        defer { inflateEnd(&stream) }
        var input = input
        let outcome: Outcome = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = inflate(&stream, Z_FINISH)
                if status == Z_STREAM_END { return .ended }
                guard (status == Z_BUF_ERROR || status == Z_OK) && stream.avail_out == 0 else { return .failed(status) }
                // The output is full: what is left may only be the end of the stream (its checksum).
                var spare: UInt8 = 0
                return withUnsafeMutablePointer(to: &spare) { pointer in
                    stream.next_out = pointer
                    stream.avail_out = 1
                    let status = inflate(&stream, Z_FINISH)
                    if stream.avail_out == 0 { return .overflow }
                    return status == Z_STREAM_END ? .ended : .failed(status)
                }
            }
        }
        let produced = min(Int(stream.total_out), expectedBytes)
        switch outcome {
        case .ended:
            guard produced == expectedBytes else {
                throw PNGError.invalid("the image data holds \(produced) bytes once decompressed; the size needs \(expectedBytes)")
            }
            return output
        case .overflow:
            throw PNGError.invalid("the image data decompresses to more than the \(expectedBytes) bytes the size needs")
        case .failed(let status) where status == Z_BUF_ERROR || status == Z_OK:
            throw PNGError.truncated("the compressed image data (IDAT) ends early, after \(produced) of \(expectedBytes) bytes")
        case .failed(let status) where status == Z_DATA_ERROR:
            let reason = stream.msg.map { String(cString: $0) } ?? "corrupt data"
            throw PNGError.invalid("the compressed image data is corrupt (zlib: \(reason))")
        case .failed(let status) where status == Z_NEED_DICT:
            throw PNGError.invalid("the compressed image data asks for a preset dictionary, which PNG does not allow")
        case .failed(let status):
            throw PNGError.invalid("zlib failed with status \(status)")
        }
    }
}
