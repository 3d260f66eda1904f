import Foundation

/// Byte-level BPE (GPT-2 style), as llama.cpp's `gpt2` vocabulary and Hugging Face `tokenizers`
/// with a `ByteLevel` pre-tokenizer encode it.
///
/// Encoding: special tokens are cut out of the text first (leftmost, longest at a position);
/// the rest is split by the pre-tokenizer; each piece's bytes are merged by merge rank
/// (lowest first, leftmost on ties). Thread-safe: the per-piece cache is behind a lock.
public final class BPETokenizer: @unchecked Sendable {
    /// GGUF `tokenizer.ggml.token_type` values.
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    public let preTokenizer: PreTokenizer
    public let bosID: Int?
    public let eosID: Int?

    /// Token strings as stored (byte-level form for ordinary tokens).
    public let tokens: [String]
    private let types: [Int32]
    /// Raw bytes each id stands for.
    private let idBytes: [[UInt8]]
    /// Id of the single-byte token for each byte (-1: none).
    private let byteIDs: [Int32]
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    private let merges: PairTable
    /// Raw bytes → id (for `ignoreMerges`).
    private let bytesToID: ByteKeyTable
    private let ignoreMerges: Bool
    /// Control tokens (matched only when `parseSpecial`) and user-defined tokens (always matched).
    private let controlMatcher: SpecialTokenMatcher
    private let userMatcher: SpecialTokenMatcher
    private let stringToID: [[UInt8]: Int32]

    /// Piece bytes → offset in `cachePool`, which holds a count then the ids.
    private var cache = ByteKeyTable(capacity: 4096)
    private var cachePool: [Int32] = []
    private let cacheLock = NSLock()
    private static let cacheLimit = 200_000

    public var vocabularySize: Int { tokens.count }

    /// - Parameters:
    ///   - tokens: token strings, id = index (GGUF `tokenizer.ggml.tokens`).
    ///   - merges: `"a b"` pairs, rank = index (GGUF `tokenizer.ggml.merges`).
    ///   - tokenTypes: GGUF `tokenizer.ggml.token_type` (nil: all normal). Control (3) tokens are
    ///     matched in the text when `parseSpecial`; user-defined (4) ones always (as llama.cpp).
    public convenience init(tokens: [String], merges: [String], tokenTypes: [Int32]?,
                            bos: Int?, eos: Int?, preTokenizer: PreTokenizer) throws {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(merges.count)
        for (i, m) in merges.enumerated() {
            // Byte-level tokens never hold a plain space, so the first space separates the pair.
            guard let sp = m.firstIndex(of: " ") else {
                throw TokenizerError.invalidVocabulary("merge \(i) '\(m)' has no space")
            }
            pairs.append((String(m[..<sp]), String(m[m.index(after: sp)...])))
        }
        try self.init(tokens: tokens, mergePairs: pairs, tokenTypes: tokenTypes, bos: bos, eos: eos,
                      preTokenizer: preTokenizer, ignoreMerges: false)
    }

    init(tokens: [String], mergePairs: [(String, String)], tokenTypes: [Int32]?, bos: Int?, eos: Int?,
         preTokenizer: PreTokenizer, ignoreMerges: Bool) throws {
        if let t = tokenTypes, t.count != tokens.count {
            throw TokenizerError.invalidVocabulary("token_type has \(t.count) entries for \(tokens.count) tokens")
        }
        if let b = bos, b < 0 || b >= tokens.count { throw TokenizerError.invalidVocabulary("bos id \(b) out of range") }
        if let e = eos, e < 0 || e >= tokens.count { throw TokenizerError.invalidVocabulary("eos id \(e) out of range") }
        self.tokens = tokens
        self.types = tokenTypes ?? [Int32](repeating: TokenType.normal.rawValue, count: tokens.count)
        self.bosID = bos
        self.eosID = eos
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges

        var idBytes: [[UInt8]] = []
        idBytes.reserveCapacity(tokens.count)
        var stringToID: [[UInt8]: Int32] = [:]
        stringToID.reserveCapacity(tokens.count)
        var bytesToID = ByteKeyTable()
        var byteIDs = [Int32](repeating: -1, count: 256)
        var control: [(bytes: [UInt8], id: Int32)] = []
        var user: [(bytes: [UInt8], id: Int32)] = []
        for (i, t) in tokens.enumerated() {
            let utf8 = Array(t.utf8)
            stringToID[utf8] = Int32(i)
            let type = types[i]
            if type == TokenType.control.rawValue || type == TokenType.userDefined.rawValue {
                idBytes.append(utf8)
                if type == TokenType.control.rawValue { control.append((utf8, Int32(i))) } else { user.append((utf8, Int32(i))) }
            } else {
                let raw = ByteLevel.decode(t) ?? utf8
                idBytes.append(raw)
                if raw.count == 1 && byteIDs[Int(raw[0])] < 0 { byteIDs[Int(raw[0])] = Int32(i) }
                if ignoreMerges { bytesToID.set(raw, Int32(i)) }
            }
        }
        var mergeTable: [(UInt64, UInt64)] = []
        mergeTable.reserveCapacity(mergePairs.count)
        for (rank, (a, b)) in mergePairs.enumerated() {
            let ua = Array(a.utf8), ub = Array(b.utf8)
            guard let ia = stringToID[ua], let ib = stringToID[ub], let im = stringToID[ua + ub] else {
                throw TokenizerError.invalidVocabulary("merge \(rank) '\(a) \(b)' names a token not in the vocabulary")
            }
            let key = UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib))
            mergeTable.append((key, UInt64(rank) << 32 | UInt64(UInt32(im))))
        }
        self.idBytes = idBytes
        self.stringToID = stringToID
        self.bytesToID = bytesToID
        self.byteIDs = byteIDs
        self.merges = PairTable(mergeTable, count: mergeTable.count)
        self.controlMatcher = SpecialTokenMatcher(control)
        self.userMatcher = SpecialTokenMatcher(user)
    }

    /// Builds a tokenizer from a Hugging Face `tokenizer.json` whose model is BPE with a
    /// `ByteLevel` pre-tokenizer (optionally after `Digits(individual_digits: true)`).
    /// Added tokens become control tokens (special) or user-defined tokens (not special).
    public convenience init(tokenizerJSON: Data, bos: Int? = nil, eos: Int? = nil) throws {
        let root = try JSONFields.object(tokenizerJSON)
        let model = try JSONFields.dict(root, "model", path: "model")
        let type = try JSONFields.optionalString(model, "type", path: "model.type") ?? (model["merges"] != nil ? "BPE" : "")
        guard type == "BPE" else { throw TokenizerError.unsupported(field: "model.type", value: type) }
        if let d = try JSONFields.optionalBool(model, "byte_fallback", path: "model.byte_fallback"), d {
            throw TokenizerError.unsupported(field: "model.byte_fallback", value: "true")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = try JSONFields.optionalString(model, key, path: "model.\(key)"), !v.isEmpty {
                throw TokenizerError.unsupported(field: "model.\(key)", value: v)
            }
        }
        if !JSONFields.isNull(model, "dropout") {
            throw TokenizerError.unsupported(field: "model.dropout", value: "\(model["dropout"]!)")
        }
        let ignoreMerges = try JSONFields.optionalBool(model, "ignore_merges", path: "model.ignore_merges") ?? false
        if !JSONFields.isNull(root, "normalizer") {
            let n = root["normalizer"] as? [String: Any]
            throw TokenizerError.unsupported(field: "normalizer", value: (n?["type"] as? String) ?? "?")
        }
        let pre = try BPETokenizer.preTokenizer(from: root)

        let vocab = try JSONFields.vocab(model, "vocab", path: "model.vocab")
        let added = try JSONFields.addedTokens(root)
        let count = max((vocab.map { $0.1 }.max() ?? -1), (added.map { $0.id }.max() ?? -1)) + 1
        var tokens = [String](repeating: "", count: count)
        var types = [Int32](repeating: TokenType.unused.rawValue, count: count)
        for (t, id) in vocab { tokens[id] = t; types[id] = TokenType.normal.rawValue }
        for a in added {
            tokens[a.id] = a.content
            types[a.id] = a.special ? TokenType.control.rawValue : TokenType.userDefined.rawValue
        }

        guard let mergesAny = model["merges"] as? [Any] else { throw TokenizerError.missingField("model.merges") }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(mergesAny.count)
        for (i, m) in mergesAny.enumerated() {
            if let s = m as? String {
                guard let sp = s.firstIndex(of: " ") else { throw TokenizerError.missingField("model.merges[\(i)]") }
                pairs.append((String(s[..<sp]), String(s[s.index(after: sp)...])))
            } else if let p = m as? [Any], p.count == 2, let a = p[0] as? String, let b = p[1] as? String {
                pairs.append((a, b))
            } else {
                throw TokenizerError.missingField("model.merges[\(i)]")
            }
        }
        try self.init(tokens: tokens, mergePairs: pairs, tokenTypes: types, bos: bos, eos: eos,
                      preTokenizer: pre, ignoreMerges: ignoreMerges)
    }

    private static func preTokenizer(from root: [String: Any]) throws -> PreTokenizer {
        guard let pre = root["pre_tokenizer"] as? [String: Any] else { throw TokenizerError.missingField("pre_tokenizer") }
        func byteLevelOK(_ d: [String: Any], path: String) throws {
            if try JSONFields.optionalBool(d, "add_prefix_space", path: "\(path).add_prefix_space") == true {
                throw TokenizerError.unsupported(field: "\(path).add_prefix_space", value: "true")
            }
            if try JSONFields.optionalBool(d, "use_regex", path: "\(path).use_regex") == false {
                throw TokenizerError.unsupported(field: "\(path).use_regex", value: "false")
            }
        }
        let type = try JSONFields.string(pre, "type", path: "pre_tokenizer.type")
        switch type {
        case "ByteLevel":
            try byteLevelOK(pre, path: "pre_tokenizer")
            return .gpt2
        case "Sequence":
            guard let list = pre["pretokenizers"] as? [[String: Any]] else {
                throw TokenizerError.missingField("pre_tokenizer.pretokenizers")
            }
            let types = list.map { ($0["type"] as? String) ?? "?" }
            if types == ["ByteLevel"] {
                try byteLevelOK(list[0], path: "pre_tokenizer.pretokenizers[0]")
                return .gpt2
            }
            if types == ["Digits", "ByteLevel"],
               try JSONFields.optionalBool(list[0], "individual_digits", path: "pre_tokenizer.pretokenizers[0].individual_digits") == true {
                try byteLevelOK(list[1], path: "pre_tokenizer.pretokenizers[1]")
                return .digitsThenGPT2
            }
            throw TokenizerError.unsupported(field: "pre_tokenizer", value: "Sequence[\(types.joined(separator: ", "))]")
        default:
            throw TokenizerError.unsupported(field: "pre_tokenizer.type", value: type)
        }
    }

    // MARK: - Lookup

    /// Id of a token string as stored in the vocabulary (byte-level form, e.g. "Ġthe").
    public func id(forToken token: String) -> Int? { stringToID[Array(token.utf8)].map(Int.init) }

    public func tokenType(_ id: Int) -> TokenType? {
        guard id >= 0 && id < types.count else { return nil }
        return TokenType(rawValue: types[id])
    }

    /// Control or user-defined token.
    public func isSpecial(_ id: Int) -> Bool {
        guard id >= 0 && id < types.count else { return false }
        return types[id] == TokenType.control.rawValue || types[id] == TokenType.userDefined.rawValue
    }

    // MARK: - Encoding

    /// Token ids of `text`. With `parseSpecial`, control tokens written in the text (e.g.
    /// `<|im_start|>`) become their ids; user-defined tokens always do. No BOS is added.
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int] {
        var text = text
        var out: [Int] = []
        out.reserveCapacity(text.utf8.count / 3 + 1)
        text.withUTF8 { buf in
            var scratch = Scratch()
            userMatcher.split(buf, text: { lo, hi in
                let sub = UnsafeBufferPointer(rebasing: buf[lo..<hi])
                if parseSpecial {
                    controlMatcher.split(sub, text: { a, b in
                        encodeOrdinary(UnsafeBufferPointer(rebasing: sub[a..<b]), &scratch, &out)
                    }, special: { out.append(Int($0)) })
                } else {
                    encodeOrdinary(sub, &scratch, &out)
                }
            }, special: { out.append(Int($0)) })
        }
        return out
    }

    private struct Scratch {
        var scalars: [UInt32] = []
        var offsets: [Int32] = []
        var classes: [ScalarClass] = []
        var symbols: [Int32] = []
        var ranks: [UInt32] = []
        var merged: [Int32] = []
    }

    private func encodeOrdinary(_ buf: UnsafeBufferPointer<UInt8>, _ s: inout Scratch, _ out: inout [Int]) {
        if buf.isEmpty { return }
        UTF8Scan.decode(buf, 0, buf.count, scalars: &s.scalars, offsets: &s.offsets)
        s.classes.removeAll(keepingCapacity: true)
        UnicodeClass.bmp.withUnsafeBufferPointer { bmp in
            for v in s.scalars { s.classes.append(v < 0x10000 ? bmp[Int(v)] : UnicodeClass.classifySlow(v)) }
        }
        var pieces: [(Int32, Int32)] = []
        s.scalars.withUnsafeBufferPointer { sc in
            s.classes.withUnsafeBufferPointer { cl in
                s.offsets.withUnsafeBufferPointer { off in
                    preTokenizer.split(sc, classes: cl) { lo, hi in pieces.append((off[lo], off[hi])) }
                }
            }
        }
        for (lo, hi) in pieces {
            encodePiece(UnsafeBufferPointer(rebasing: buf[Int(lo)..<Int(hi)]), &s, &out)
        }
    }

    private func encodePiece(_ piece: UnsafeBufferPointer<UInt8>, _ s: inout Scratch, _ out: inout [Int]) {
        if piece.count == 1 {
            let id = byteIDs[Int(piece[0])]
            if id >= 0 { out.append(Int(id)) }
            return
        }
        cacheLock.lock()
        if let at = cache.get(piece) {
            let start = Int(at)
            let n = Int(cachePool[start])
            for k in 0..<n { out.append(Int(cachePool[start + 1 + k])) }
            cacheLock.unlock()
            return
        }
        cacheLock.unlock()
        bpe(piece, &s)
        cacheLock.lock()
        if cache.count >= BPETokenizer.cacheLimit {
            cache.removeAll()
            cachePool.removeAll(keepingCapacity: true)
        }
        cache.set(piece, Int32(cachePool.count))
        cachePool.append(Int32(s.symbols.count))
        cachePool.append(contentsOf: s.symbols)
        cacheLock.unlock()
        for id in s.symbols { out.append(Int(id)) }
    }

    /// Merges the bytes of one piece into `s.symbols`: repeatedly the pair of lowest rank, leftmost first.
    private func bpe(_ bytes: UnsafeBufferPointer<UInt8>, _ s: inout Scratch) {
        s.symbols.removeAll(keepingCapacity: true)
        if ignoreMerges, let id = bytesToID.get(bytes) { s.symbols.append(id); return }
        for b in bytes {
            let id = byteIDs[Int(b)]
            if id >= 0 { s.symbols.append(id) }  // a byte without a token is dropped (no unk)
        }
        if s.symbols.count < 2 { return }
        if s.symbols.count > BPETokenizer.heapThreshold { mergeWithHeap(&s.symbols); return }
        mergeByRescan(&s)
    }

    /// For tests: the rescanning merge whatever the length.
    func mergeByRescan(_ symbols: [Int32]) -> [Int32] {
        var s = Scratch()
        s.symbols = symbols
        if symbols.count >= 2 { mergeByRescan(&s) }
        return s.symbols
    }

    private func mergeByRescan(_ s: inout Scratch) {
        let none = UInt32.max
        @inline(__always) func rank(_ a: Int32, _ b: Int32) -> (UInt32, Int32) {
            guard let v = merges.get(UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))) else { return (none, -1) }
            return (UInt32(v >> 32), Int32(truncatingIfNeeded: v & 0xFFFF_FFFF))
        }
        var n = s.symbols.count
        s.ranks.removeAll(keepingCapacity: true)
        s.merged.removeAll(keepingCapacity: true)
        for p in 0..<(n - 1) {
            let (r, m) = rank(s.symbols[p], s.symbols[p + 1])
            s.ranks.append(r)
            s.merged.append(m)
        }
        while n > 1 {
            var best = none, at = -1
            for p in 0..<(n - 1) where s.ranks[p] < best { best = s.ranks[p]; at = p }
            if at < 0 { break }
            s.symbols[at] = s.merged[at]
            s.symbols.remove(at: at + 1)
            s.ranks.remove(at: at)
            s.merged.remove(at: at)
            n -= 1
            if at > 0 {
                let (r, m) = rank(s.symbols[at - 1], s.symbols[at]); s.ranks[at - 1] = r; s.merged[at - 1] = m
            }
            if at < n - 1 {
                let (r, m) = rank(s.symbols[at], s.symbols[at + 1]); s.ranks[at] = r; s.merged[at] = m
            }
        }
    }

    /// Above this many symbols a piece is merged with a heap (O(n log n)) instead of rescans (O(n²)).
    static let heapThreshold = 48

    /// The same merge order as the rescanning loop (lowest rank, then leftmost), for long pieces:
    /// a doubly linked list of symbols and a min-heap of candidate pairs keyed by (rank, position).
    func mergeWithHeap(_ symbols: inout [Int32]) {
        let n = symbols.count
        var prev = [Int32](repeating: -1, count: n)
        var next = [Int32](repeating: -1, count: n)
        var alive = [Bool](repeating: true, count: n)
        for i in 0..<n { prev[i] = Int32(i - 1); next[i] = i + 1 < n ? Int32(i + 1) : -1 }
        var heap = MinHeap()
        @inline(__always) func rankOf(_ a: Int32, _ b: Int32) -> UInt64? {
            merges.get(UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)))
        }
        for i in 0..<(n - 1) {
            if let v = rankOf(symbols[i], symbols[i + 1]) { heap.push((v >> 32) << 32 | UInt64(i)) }
        }
        while let top = heap.pop() {
            let pos = Int(top & 0xFFFF_FFFF), rank = top >> 32
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = Int(next[pos])
            guard let v = rankOf(symbols[pos], symbols[right]), v >> 32 == rank else { continue }
            symbols[pos] = Int32(truncatingIfNeeded: v & 0xFFFF_FFFF)
            alive[right] = false
            next[pos] = next[right]
            if next[right] >= 0 { prev[Int(next[right])] = Int32(pos) }
            if prev[pos] >= 0, let w = rankOf(symbols[Int(prev[pos])], symbols[pos]) {
                heap.push((w >> 32) << 32 | UInt64(prev[pos]))
            }
            if next[pos] >= 0, let w = rankOf(symbols[pos], symbols[Int(next[pos])]) {
                heap.push((w >> 32) << 32 | UInt64(pos))
            }
        }
        var out: [Int32] = []
        out.reserveCapacity(n)
        var i: Int32 = 0
        while i >= 0 { out.append(symbols[Int(i)]); i = next[Int(i)] }
        symbols = out
    }

    // MARK: - Decoding

    /// The bytes a token stands for (special tokens: their text). Empty for an unknown id.
    public func decodeBytes(_ id: Int) -> [UInt8] {
        guard id >= 0 && id < idBytes.count else { return [] }
        return idBytes[id]
    }

    /// Text of `ids`; invalid UTF-8 becomes U+FFFD. `skipSpecial` drops control and user-defined tokens.
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < idBytes.count {
            if skipSpecial && isSpecial(id) { continue }
            bytes.append(contentsOf: idBytes[id])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Binary min-heap of UInt64 keys.
struct MinHeap {
    private var a: [UInt64] = []

    mutating func push(_ x: UInt64) {
        a.append(x)
        var i = a.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if a[p] <= a[i] { break }
            a.swapAt(p, i)
            i = p
        }
    }

    mutating func pop() -> UInt64? {
        guard let last = a.popLast() else { return nil }
        if a.isEmpty { return last }
        let top = a[0]
        a[0] = last
        var i = 0
        let n = a.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && a[l] < a[m] { m = l }
            if r < n && a[r] < a[m] { m = r }
            if m == i { break }
            a.swapAt(i, m)
            i = m
        }
        return top
    }
}
