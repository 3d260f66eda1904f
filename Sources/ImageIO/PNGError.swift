/// Why a PNG could not be decoded, phrased for the person who sent it.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    /// The first 8 bytes are not the PNG signature.
    case notPNG
    /// The data ends early; the associated text says where.
    case truncated(String)
    /// A chunk's stored CRC-32 differs from the one computed over its type and data.
    case crcMismatch(chunk: String, stored: UInt32, computed: UInt32)
    /// The file breaks the PNG specification (header values, chunk order, image data).
    case invalid(String)
    /// Valid PNG that this decoder does not handle.
    case unsupported(String)
    /// Larger than the decoder's pixel limit.
    case tooLarge(width: Int, height: Int, limit: Int)

    public var description: String {
        switch self {
        case .notPNG: "not a PNG image: the data does not start with the PNG signature"
        case .truncated(let where_): "truncated PNG: \(where_)"
        case .crcMismatch(let chunk, let stored, let computed):
            "corrupt PNG: chunk \(chunk) has CRC \(hex(stored)) but its contents give \(hex(computed))"
        case .invalid(let message): "invalid PNG: \(message)"
        case .unsupported(let message): "unsupported PNG: \(message)"
        case .tooLarge(let width, let height, let limit):
            "PNG too large: \(width)×\(height) pixels, the limit is \(limit) pixels"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
