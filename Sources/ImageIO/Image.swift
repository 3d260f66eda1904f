/// A decoded raster: `height` rows of `width` pixels of `channels`
/// interleaved samples, each in 0...`maxValue` (255 for 8-bit sources and
/// below, 65535 for 16-bit ones). Channels: 1 gray, 2 gray+alpha, 3 RGB,
/// 4 RGBA (palette images are expanded to RGB, or RGBA with transparency).
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let maxValue: Int
    /// Row-major, `height × width × channels`.
    public let samples: [UInt16]

    public init(width: Int, height: Int, channels: Int, maxValue: Int, samples: [UInt16]) {
        precondition(samples.count == width * height * channels, "sample count does not match the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.maxValue = maxValue
        self.samples = samples
    }

    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// One pixel's samples.
    public func pixel(x: Int, y: Int) -> ArraySlice<UInt16> {
        let start = (y * width + x) * channels
        return samples[start..<(start + channels)]
    }
}
