/// Turns unfiltered rows into `Image` samples: unpacks 1/2/4-bit and
/// 16-bit samples, scales low-bit gray to 0…255, looks up palette entries
/// and adds an alpha channel where tRNS gives transparency.
struct PixelUnpacker {
    enum Transparency {
        /// Alpha per palette entry (entries past the list are opaque).
        case paletteAlpha([UInt16])
        /// The one gray or RGB value that is fully transparent (raw sample values).
        case key([UInt16])
    }

    let header: PNGHeader
    let palette: [[UInt16]]?
    let transparency: Transparency?
    let channels: Int
    let maxValue: UInt16
    var output: [UInt16]

    init(header: PNGHeader, palette: [[UInt16]]?, transparency: Transparency?) {
        self.header = header
        self.palette = palette
        self.transparency = transparency
        switch header.colorType {
        case .gray: channels = transparency == nil ? 1 : 2
        case .grayAlpha: channels = 2
        case .rgb, .palette: channels = transparency == nil ? 3 : 4
        case .rgba: channels = 4
        }
        maxValue = header.bitDepth == 16 ? 65535 : 255
        output = [UInt16](repeating: 0, count: header.width * header.height * channels)
    }

    /// Places the pixels of one pass (`rows` holds pass.rows × rowBytes bytes).
    mutating func place(_ rows: [UInt8], rowBytes: Int, pass: PNGDecoder.Pass) throws {
        let stored = header.colorType.storedChannels
        let depth = header.bitDepth
        let lowBitScale = depth < 8 ? 255 / ((1 << depth) - 1) : 1
        try rows.withUnsafeBufferPointer { buffer in
            for r in 0..<pass.rows {
                let row = buffer.baseAddress! + r * rowBytes
                let y = pass.y0 + r * pass.dy
                for c in 0..<pass.columns {
                    let x = pass.x0 + c * pass.dx
                    let base = (y * header.width + x) * channels
                    switch header.colorType {
                    case .palette:
                        let index = Int(PixelUnpacker.sample(row, c, depth: depth))
                        guard let palette, index < palette.count else {
                            throw PNGError.invalid("pixel (\(x), \(y)) uses palette entry \(index); the palette has \(palette?.count ?? 0)")
                        }
                        for channel in 0..<3 { output[base + channel] = palette[index][channel] }
                        if case .paletteAlpha(let alphas) = transparency {
                            output[base + 3] = index < alphas.count ? alphas[index] : 255
                        }
                    case .gray:
                        let value = PixelUnpacker.sample(row, c, depth: depth)
                        output[base] = value * UInt16(lowBitScale)
                        if case .key(let key) = transparency { output[base + 1] = value == key[0] ? 0 : maxValue }
                    case .rgb:
                        var matches = true
                        for channel in 0..<3 {
                            let value = PixelUnpacker.sample(row, c * 3 + channel, depth: depth)
                            output[base + channel] = value
                            if case .key(let key) = transparency, key[channel] != value { matches = false }
                        }
                        if case .key = transparency { output[base + 3] = matches ? 0 : maxValue }
                    case .grayAlpha, .rgba:
                        for channel in 0..<stored { output[base + channel] = PixelUnpacker.sample(row, c * stored + channel, depth: depth) }
                    }
                }
            }
        }
    }

    /// Sample `index` of a row (samples packed MSB first below 8 bits, big-endian at 16).
    @inline(__always)
    static func sample(_ row: UnsafePointer<UInt8>, _ index: Int, depth: Int) -> UInt16 {
        switch depth {
        case 16: return UInt16(row[index * 2]) << 8 | UInt16(row[index * 2 + 1])
        case 8: return UInt16(row[index])
        default:
            let bit = index * depth
            let shift = 8 - depth - bit % 8
            return UInt16((row[bit / 8] >> UInt8(shift)) & UInt8((1 << depth) - 1))
        }
    }
}
