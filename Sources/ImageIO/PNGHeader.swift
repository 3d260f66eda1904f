/// The IHDR chunk: size, sample format and interlacing.
public struct PNGHeader: Equatable, Sendable {
    public enum ColorType: UInt8, Sendable {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        /// Samples per pixel in the stored data (a palette index is one).
        var storedChannels: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }

        var allowedBitDepths: [Int] {
            switch self {
            case .gray: [1, 2, 4, 8, 16]
            case .palette: [1, 2, 4, 8]
            case .rgb, .grayAlpha, .rgba: [8, 16]
            }
        }
    }

    public let width: Int
    public let height: Int
    public let bitDepth: Int
    public let colorType: ColorType
    public let interlaced: Bool

    /// Parses and checks the 13 bytes of IHDR.
    init(_ data: ArraySlice<UInt8>) throws {
        guard data.count == 13 else { throw PNGError.invalid("IHDR has \(data.count) bytes, expected 13") }
        let bytes = Array(data)
        width = Int(BigEndian.uint32(bytes, at: 0))
        height = Int(BigEndian.uint32(bytes, at: 4))
        guard (1...Int(Int32.max)).contains(width), (1...Int(Int32.max)).contains(height) else {
            throw PNGError.invalid("image size \(width)×\(height): width and height must be 1…2147483647")
        }
        guard let colorType = ColorType(rawValue: bytes[9]) else {
            throw PNGError.invalid("color type \(bytes[9]) (expected 0, 2, 3, 4 or 6)")
        }
        self.colorType = colorType
        bitDepth = Int(bytes[8])
        guard colorType.allowedBitDepths.contains(bitDepth) else {
            throw PNGError.invalid("bit depth \(bitDepth) with color type \(colorType.rawValue) "
                                   + "(allowed: \(colorType.allowedBitDepths.map(String.init).joined(separator: ", ")))")
        }
        guard bytes[10] == 0 else { throw PNGError.invalid("compression method \(bytes[10]) (only 0, deflate, exists)") }
        guard bytes[11] == 0 else { throw PNGError.invalid("filter method \(bytes[11]) (only 0 exists)") }
        guard bytes[12] <= 1 else { throw PNGError.invalid("interlace method \(bytes[12]) (expected 0 or 1)") }
        interlaced = bytes[12] == 1
    }

    /// Bytes per complete pixel for filtering (at least 1).
    var filterStride: Int { max(1, colorType.storedChannels * bitDepth / 8) }

    /// Bytes of one stored row of `pixels` pixels, without the filter byte.
    func rowBytes(pixels: Int) -> Int { (pixels * colorType.storedChannels * bitDepth + 7) / 8 }
}

enum BigEndian {
    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
