/// Turns token ids into text one id at a time, holding back a UTF-8 sequence that a later
/// token completes (an emoji is often split over two or more byte tokens).
///
///     var dec = StreamingDecoder(tokenizer)
///     for id in ids { print(dec.push(id), terminator: "") }
///     print(dec.finish())
public struct StreamingDecoder {
    private let bytesOf: (Int) -> [UInt8]
    private var pending: [UInt8] = []

    public init(_ tokenizer: BPETokenizer, skipSpecial: Bool = false) {
        self.bytesOf = { id in
            if skipSpecial && tokenizer.isSpecial(id) { return [] }
            return tokenizer.decodeBytes(id)
        }
    }

    /// For any tokenizer: `bytes` gives the raw bytes of an id.
    public init(bytes: @escaping (Int) -> [UInt8]) {
        self.bytesOf = bytes
    }

    /// Bytes received but not yet returned (an incomplete UTF-8 sequence).
    public var pendingByteCount: Int { pending.count }

    /// Adds one token; returns the text that is now complete (possibly empty).
    public mutating func push(_ id: Int) -> String {
        pending.append(contentsOf: bytesOf(id))
        return takeComplete()
    }

    /// Adds several tokens.
    public mutating func push<S: Sequence>(contentsOf ids: S) -> String where S.Element == Int {
        for id in ids { pending.append(contentsOf: bytesOf(id)) }
        return takeComplete()
    }

    /// Returns whatever is left; an unfinished sequence becomes U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    private mutating func takeComplete() -> String {
        let n = pending.count
        if n == 0 { return "" }
        // Look for the start of the last sequence among the final 4 bytes.
        var cut = n
        var i = n - 1
        while i >= 0 && i >= n - 4 {
            let b = pending[i]
            if b & 0xC0 != 0x80 {  // lead or ASCII byte
                let need: Int
                switch b {
                case 0xC2...0xDF: need = 2
                case 0xE0...0xEF: need = 3
                case 0xF0...0xF4: need = 4
                default: need = 1
                }
                if n - i < need && StreamingDecoder.isValidPrefix(pending[i..<n]) { cut = i }
                break
            }
            i -= 1
        }
        if cut == 0 { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whether the bytes can begin a well-formed UTF-8 sequence.
    private static func isValidPrefix(_ s: ArraySlice<UInt8>) -> Bool {
        var it = s.makeIterator()
        guard let b0 = it.next() else { return true }
        guard let b1 = it.next() else { return true }
        switch b0 {
        case 0xE0: if b1 < 0xA0 || b1 > 0xBF { return false }
        case 0xED: if b1 < 0x80 || b1 > 0x9F { return false }
        case 0xF0: if b1 < 0x90 || b1 > 0xBF { return false }
        case 0xF4: if b1 < 0x80 || b1 > 0x8F { return false }
        default: if b1 & 0xC0 != 0x80 { return false }
        }
        while let b = it.next() { if b & 0xC0 != 0x80 { return false } }
        return true
    }
}
