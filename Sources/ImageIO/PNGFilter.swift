/// PNG's five per-row filters (None, Sub, Up, Average, Paeth), reversed.
enum PNGFilter {
    /// `data[offset...]` holds `rows` rows of a filter-type byte and
    /// `rowBytes` filtered bytes; returns the `rows × rowBytes` raw bytes.
    /// `stride` is the bytes of one complete pixel (at least 1).
    static func unfilter(_ data: [UInt8], offset: Int, rows: Int, rowBytes: Int, stride: Int, pass: Int?) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * rowBytes)
        try data.withUnsafeBufferPointer { source in
            try out.withUnsafeMutableBufferPointer { target in
                for row in 0..<rows {
                    let filter = source[offset + row * (rowBytes + 1)]
                    let input = source.baseAddress! + offset + row * (rowBytes + 1) + 1
                    let current = target.baseAddress! + row * rowBytes
                    let previous: UnsafeMutablePointer<UInt8>? = row > 0 ? current - rowBytes : nil
                    switch filter {
                    case 0:
                        current.update(from: input, count: rowBytes)
                    case 1:
                        for i in 0..<rowBytes {
                            current[i] = input[i] &+ (i >= stride ? current[i - stride] : 0)
                        }
                    case 2:
                        for i in 0..<rowBytes {
                            current[i] = input[i] &+ (previous?[i] ?? 0)
                        }
                    case 3:
                        for i in 0..<rowBytes {
                            let left = i >= stride ? Int(current[i - stride]) : 0
                            let up = Int(previous?[i] ?? 0)
                            current[i] = input[i] &+ UInt8((left + up) / 2)
                        }
                    case 4:
                        for i in 0..<rowBytes {
                            let left = i >= stride ? Int(current[i - stride]) : 0
                            let up = Int(previous?[i] ?? 0)
                            let upLeft = i >= stride ? Int(previous?[i - stride] ?? 0) : 0
                            current[i] = input[i] &+ UInt8(paeth(left, up, upLeft))
                        }
                    default:
                        let place = pass.map { "interlace pass \($0), " } ?? ""
                        throw PNGError.invalid("\(place)row \(row): unknown filter type \(filter) (expected 0…4)")
                    }
                }
            }
        }
        return out
    }

    /// The predictor of the Paeth filter: whichever of left, up, up-left is
    /// closest to left + up − upLeft (ties in that order).
    @inline(__always)
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
