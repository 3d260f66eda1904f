/// How an image becomes one sample of a model's input, on the 0…255 scale
/// of 8-bit pixels (so a model trained on MNIST's CSV, with rescale 1/255,
/// sees the same numbers):
///
/// - Input shapes: `[H, W, C]` with C = 1 (gray), 2 (gray + alpha),
///   3 (RGB) or 4 (RGBA); `[H, W]` (gray); `[N]` with N a square number,
///   read as a √N × √N gray image row by row, as MNIST's 784 columns are.
/// - Samples: 16-bit values are divided by 257 (65535 → 255).
/// - Alpha: composited over black (MNIST's background) when the model has
///   no alpha channel; kept when it has one.
/// - Gray from color: luma with ITU-R BT.601 weights 0.299 R + 0.587 G +
///   0.114 B (Pillow's `convert("L")`, without its rounding to integers).
/// - Size: an image whose size differs from H × W is resampled with a box
///   filter (each output pixel is the area-weighted mean of the source pixels
///   it covers; Pillow's `Image.BOX`), stretching if the aspect ratio differs.
public enum ImageInput {
    public struct Layout: Equatable, Sendable {
        public var height: Int
        public var width: Int
        public var channels: Int
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notAnImageModel(inputShape: [Int])

        public var description: String {
            switch self {
            case .notAnImageModel(let shape):
                "the model's input shape \(shape) is not an image: expected [height, width, channels] with 1–4 channels, "
                    + "[height, width], or a square number of features"
            }
        }
    }

    /// The image layout a model input shape (without the batch dimension) takes.
    public static func layout(forInputShape shape: [Int]) throws -> Layout {
        switch shape.count {
        case 3 where (1...4).contains(shape[2]) && shape[0] > 0 && shape[1] > 0:
            return Layout(height: shape[0], width: shape[1], channels: shape[2])
        case 2 where shape[0] > 0 && shape[1] > 0:
            return Layout(height: shape[0], width: shape[1], channels: 1)
        case 1:
            let side = Int(Double(shape[0]).squareRoot().rounded())
            guard side > 0, side * side == shape[0] else { throw Failure.notAnImageModel(inputShape: shape) }
            return Layout(height: side, width: side, channels: 1)
        default:
            throw Failure.notAnImageModel(inputShape: shape)
        }
    }

    /// The `height × width × channels` values (row-major, channels last) for `inputShape`.
    public static func values(_ image: Image, inputShape: [Int]) throws -> [Float] {
        let layout = try layout(forInputShape: inputShape)
        let converted = convert(image, channels: layout.channels)
        if image.height == layout.height && image.width == layout.width { return converted }
        return BoxResampler.resize(converted, height: image.height, width: image.width, channels: layout.channels,
                                   toHeight: layout.height, toWidth: layout.width)
    }

    /// Per pixel, `channels` values on the 0…255 scale.
    static func convert(_ image: Image, channels target: Int) -> [Float] {
        let source = image.channels
        let scale = 255 / Float(image.maxValue)
        let colorChannels = image.hasAlpha ? source - 1 : source
        var out = [Float](repeating: 0, count: image.width * image.height * target)
        image.samples.withUnsafeBufferPointer { samples in
            for pixel in 0..<(image.width * image.height) {
                let s = samples.baseAddress! + pixel * source
                let alpha: Float = image.hasAlpha ? Float(s[source - 1]) / Float(image.maxValue) : 1
                let red = Float(s[0]) * scale
                let green = colorChannels == 3 ? Float(s[1]) * scale : red
                let blue = colorChannels == 3 ? Float(s[2]) * scale : red
                let o = pixel * target
                switch target {
                case 1:
                    let gray = colorChannels == 3 ? 0.299 * red + 0.587 * green + 0.114 * blue : red
                    out[o] = gray * alpha
                case 2:
                    out[o] = colorChannels == 3 ? 0.299 * red + 0.587 * green + 0.114 * blue : red
                    out[o + 1] = alpha * 255
                case 3:
                    out[o] = red * alpha
                    out[o + 1] = green * alpha
                    out[o + 2] = blue * alpha
                default:
                    out[o] = red
                    out[o + 1] = green
                    out[o + 2] = blue
                    out[o + 3] = alpha * 255
                }
            }
        }
        return out
    }
}

/// Area-averaging resampling (a box filter over fractional pixel overlaps),
/// separable: rows first, then columns.
enum BoxResampler {
    static func resize(_ values: [Float], height: Int, width: Int, channels: Int, toHeight: Int, toWidth: Int) -> [Float] {
        let columnWeights = weights(from: width, to: toWidth)
        let rowWeights = weights(from: height, to: toHeight)
        // Horizontal pass: height × toWidth × channels.
        var horizontal = [Float](repeating: 0, count: height * toWidth * channels)
        for y in 0..<height {
            for (x, taps) in columnWeights.enumerated() {
                for channel in 0..<channels {
                    var sum: Float = 0
                    for (source, weight) in taps { sum += weight * values[(y * width + source) * channels + channel] }
                    horizontal[(y * toWidth + x) * channels + channel] = sum
                }
            }
        }
        var out = [Float](repeating: 0, count: toHeight * toWidth * channels)
        for (y, taps) in rowWeights.enumerated() {
            for x in 0..<toWidth {
                for channel in 0..<channels {
                    var sum: Float = 0
                    for (source, weight) in taps { sum += weight * horizontal[(source * toWidth + x) * channels + channel] }
                    out[(y * toWidth + x) * channels + channel] = sum
                }
            }
        }
        return out
    }

    /// For each output index, the source indices it overlaps and their share (summing to 1).
    static func weights(from source: Int, to target: Int) -> [[(Int, Float)]] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { index in
            let start = Double(index) * scale, end = Double(index + 1) * scale
            var taps: [(Int, Float)] = []
            var position = Int(start.rounded(.down))
            while Double(position) < end && position < source {
                let overlap = min(end, Double(position + 1)) - max(start, Double(position))
                if overlap > 1e-12 { taps.append((position, Float(overlap / scale))) }
                position += 1
            }
            return taps
        }
    }
}
