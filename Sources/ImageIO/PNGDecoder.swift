/// Decodes PNG files (ISO/IEC 15948): every color type and bit depth
/// (1, 2, 4, 8, 16), palettes with tRNS transparency, Adam7 interlacing.
/// Chunk CRCs and the zlib stream (header, Adler-32, exact length) are
/// checked. Ancillary chunks other than tRNS (gamma, color profiles, text)
/// are skipped, so samples are the stored values, not color-managed ones.
public struct PNGDecoder: Sendable {
    /// Largest width × height accepted (a guard against decompression bombs).
    public var maxPixels: Int

    public init(maxPixels: Int = 1 << 26) {
        self.maxPixels = maxPixels
    }

    public func decode(_ data: some Collection<UInt8>) throws -> Image {
        let bytes = Array(data)
        let chunks = try PNGChunkReader.chunks(bytes)
        guard let first = chunks.first, first.type == "IHDR" else {
            throw PNGError.invalid("the first chunk is \(chunks.first?.type ?? "missing"), expected IHDR")
        }
        let header = try PNGHeader(first.data)
        guard header.width <= maxPixels / header.height else {
            throw PNGError.tooLarge(width: header.width, height: header.height, limit: maxPixels)
        }
        var palette: [[UInt16]]?
        var transparency: ArraySlice<UInt8>?
        var compressed: [UInt8] = []
        var idatState = 0  // 0: none yet, 1: in the IDAT run, 2: after it
        for chunk in chunks.dropFirst() {
            if chunk.type != "IDAT" && idatState == 1 { idatState = 2 }
            switch chunk.type {
            case "IHDR":
                throw PNGError.invalid("a second IHDR chunk at byte \(chunk.offset)")
            case "PLTE":
                guard idatState == 0 else { throw PNGError.invalid("PLTE after the image data") }
                palette = try PNGDecoder.palette(chunk.data, header: header)
            case "tRNS":
                guard idatState == 0 else { throw PNGError.invalid("tRNS after the image data") }
                transparency = chunk.data
            case "IDAT":
                guard idatState != 2 else { throw PNGError.invalid("the IDAT chunks are not consecutive") }
                idatState = 1
                compressed.append(contentsOf: chunk.data)
            case "IEND":
                break
            default:
                if chunk.isCritical { throw PNGError.unsupported("critical chunk \(chunk.type)") }
            }
        }
        guard idatState != 0 else { throw PNGError.invalid("no IDAT chunk (the image data)") }
        if header.colorType == .palette && palette == nil { throw PNGError.invalid("color type 3 (palette) without a PLTE chunk") }
        let passes = PNGDecoder.passes(header)
        let expected = passes.reduce(0) { $0 + $1.rows * (header.rowBytes(pixels: $1.columns) + 1) }
        let raw = try Inflate.zlibStream(compressed, expectedBytes: expected)
        var samples = PixelUnpacker(header: header, palette: palette, transparency: try transparencyKey(transparency, header: header,
                                                                                                       paletteCount: palette?.count))
        var offset = 0
        for (index, pass) in passes.enumerated() {
            let rowBytes = header.rowBytes(pixels: pass.columns)
            let rows = try PNGFilter.unfilter(raw, offset: offset, rows: pass.rows, rowBytes: rowBytes, stride: header.filterStride,
                                              pass: header.interlaced ? index + 1 : nil)
            offset += pass.rows * (rowBytes + 1)
            try samples.place(rows, rowBytes: rowBytes, pass: pass)
        }
        return Image(width: header.width, height: header.height, channels: samples.channels,
                     maxValue: header.bitDepth == 16 ? 65535 : 255, samples: samples.output)
    }

    /// A pass of the image: which pixels its rows and columns hold.
    struct Pass {
        var x0: Int, y0: Int, dx: Int, dy: Int
        var columns: Int, rows: Int
    }

    /// The single full pass, or Adam7's seven (empty ones left out).
    static func passes(_ header: PNGHeader) -> [Pass] {
        guard header.interlaced else {
            return [Pass(x0: 0, y0: 0, dx: 1, dy: 1, columns: header.width, rows: header.height)]
        }
        let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        return adam7.compactMap { x0, y0, dx, dy in
            let columns = (header.width - x0 + dx - 1) / dx, rows = (header.height - y0 + dy - 1) / dy
            return columns > 0 && rows > 0 ? Pass(x0: x0, y0: y0, dx: dx, dy: dy, columns: columns, rows: rows) : nil
        }
    }

    static func palette(_ data: ArraySlice<UInt8>, header: PNGHeader) throws -> [[UInt16]] {
        let entries = data.count / 3
        guard data.count % 3 == 0, (1...256).contains(entries) else {
            throw PNGError.invalid("PLTE has \(data.count) bytes; expected 3 per entry, 1…256 entries")
        }
        if header.colorType == .palette, entries > 1 << header.bitDepth {
            throw PNGError.invalid("PLTE has \(entries) entries, more than bit depth \(header.bitDepth) can index")
        }
        if header.colorType == .gray || header.colorType == .grayAlpha {
            throw PNGError.invalid("PLTE in a grayscale image (color type \(header.colorType.rawValue))")
        }
        let bytes = Array(data)
        return (0..<entries).map { index in (0..<3).map { UInt16(bytes[index * 3 + $0]) } }
    }

    /// tRNS: per-entry alpha for palettes, or the one transparent gray / RGB value.
    func transparencyKey(_ data: ArraySlice<UInt8>?, header: PNGHeader, paletteCount: Int?) throws -> PixelUnpacker.Transparency? {
        guard let data else { return nil }
        let bytes = Array(data)
        switch header.colorType {
        case .palette:
            guard let paletteCount, bytes.count <= paletteCount else {
                throw PNGError.invalid("tRNS has \(bytes.count) entries for a palette of \(paletteCount ?? 0)")
            }
            return .paletteAlpha(bytes.map(UInt16.init))
        case .gray:
            guard bytes.count == 2 else { throw PNGError.invalid("tRNS has \(bytes.count) bytes; a grayscale image needs 2") }
            return .key([UInt16(bytes[0]) << 8 | UInt16(bytes[1])])
        case .rgb:
            guard bytes.count == 6 else { throw PNGError.invalid("tRNS has \(bytes.count) bytes; an RGB image needs 6") }
            return .key((0..<3).map { UInt16(bytes[$0 * 2]) << 8 | UInt16(bytes[$0 * 2 + 1]) })
        case .grayAlpha, .rgba:
            throw PNGError.invalid("tRNS in an image that has an alpha channel (color type \(header.colorType.rawValue))")
        }
    }
}
