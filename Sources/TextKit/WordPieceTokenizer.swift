import Foundation

/// BERT WordPiece, as Hugging Face `tokenizers` runs a `tokenizer.json` with a `BertNormalizer`,
/// `BertPreTokenizer`, `WordPiece` model and a `[CLS] $A [SEP]` post-processor
/// (e.g. sentence-transformers/all-MiniLM-L6-v2).
public final class WordPieceTokenizer: @unchecked Sendable {
    public struct Normalizer: Sendable, Equatable {
        public var cleanText = true
        public var handleChineseChars = true
        public var stripAccents = true
        public var lowercase = true
    }

    /// nil when the tokenizer.json has no normalizer.
    public let normalizer: Normalizer?
    public let unkID: Int
    public let clsID: Int
    public let sepID: Int
    public let padID: Int?
    public let continuingSubwordPrefix: String
    public let maxInputCharsPerWord: Int

    /// Id → token string.
    public let tokensByID: [String]
    /// UTF-8 bytes of a token → id (bytes, not `String`, so that canonically equivalent
    /// spellings stay distinct, as in the reference).
    private let vocab: ByteKeyTable
    private let maxTokenBytes: Int
    private let prefixBytes: [UInt8]
    private let added: SpecialTokenMatcher

    public var vocabularySize: Int { tokensByID.count }

    public init(tokenizerJSON: Data) throws {
        let root = try JSONFields.object(tokenizerJSON)
        let model = try JSONFields.dict(root, "model", path: "model")
        let type = try JSONFields.optionalString(model, "type", path: "model.type") ?? ""
        guard type == "WordPiece" else { throw TokenizerError.unsupported(field: "model.type", value: type) }
        let vocabPairs = try JSONFields.vocab(model, "vocab", path: "model.vocab")
        let addedTokens = try JSONFields.addedTokens(root)
        let count = max(vocabPairs.map { $0.1 }.max() ?? -1, addedTokens.map { $0.id }.max() ?? -1) + 1
        var byID = [String](repeating: "", count: count)
        var vocab = ByteKeyTable(capacity: count)
        var maxBytes = 0
        for (t, id) in vocabPairs {
            byID[id] = t
            let u = Array(t.utf8)
            vocab.set(u, Int32(id))
            maxBytes = max(maxBytes, u.count)
        }
        for a in addedTokens where byID[a.id].isEmpty { byID[a.id] = a.content }
        self.tokensByID = byID
        self.vocab = vocab
        self.added = SpecialTokenMatcher(addedTokens.map { (Array($0.content.utf8), Int32($0.id)) })

        let unk = try JSONFields.string(model, "unk_token", path: "model.unk_token")
        guard let unkID = vocab.get(Array(unk.utf8)) else { throw TokenizerError.invalidVocabulary("unk_token '\(unk)' not in vocab") }
        self.unkID = Int(unkID)
        self.continuingSubwordPrefix = try JSONFields.optionalString(model, "continuing_subword_prefix",
                                                                      path: "model.continuing_subword_prefix") ?? "##"
        self.prefixBytes = Array(continuingSubwordPrefix.utf8)
        self.maxTokenBytes = maxBytes
        self.maxInputCharsPerWord = try JSONFields.optionalInt(model, "max_input_chars_per_word",
                                                               path: "model.max_input_chars_per_word") ?? 100

        // Normalizer.
        if JSONFields.isNull(root, "normalizer") {
            self.normalizer = nil
        } else {
            let n = try JSONFields.dict(root, "normalizer", path: "normalizer")
            let ntype = try JSONFields.string(n, "type", path: "normalizer.type")
            guard ntype == "BertNormalizer" else { throw TokenizerError.unsupported(field: "normalizer.type", value: ntype) }
            var cfg = Normalizer()
            cfg.cleanText = try JSONFields.optionalBool(n, "clean_text", path: "normalizer.clean_text") ?? true
            cfg.handleChineseChars = try JSONFields.optionalBool(n, "handle_chinese_chars",
                                                                 path: "normalizer.handle_chinese_chars") ?? true
            cfg.lowercase = try JSONFields.optionalBool(n, "lowercase", path: "normalizer.lowercase") ?? true
            cfg.stripAccents = try JSONFields.optionalBool(n, "strip_accents", path: "normalizer.strip_accents") ?? cfg.lowercase
            self.normalizer = cfg
        }

        // Pre-tokenizer.
        let pre = try JSONFields.dict(root, "pre_tokenizer", path: "pre_tokenizer")
        let ptype = try JSONFields.string(pre, "type", path: "pre_tokenizer.type")
        guard ptype == "BertPreTokenizer" else { throw TokenizerError.unsupported(field: "pre_tokenizer.type", value: ptype) }

        // Post-processor: [CLS] … [SEP].
        var cls = "[CLS]", sep = "[SEP]"
        if let post = root["post_processor"] as? [String: Any] {
            let ptype = (post["type"] as? String) ?? ""
            switch ptype {
            case "BertProcessing", "RobertaProcessing":
                if let c = post["cls"] as? [Any], let s = c.first as? String { cls = s }
                if let c = post["sep"] as? [Any], let s = c.first as? String { sep = s }
            case "TemplateProcessing":
                if let single = post["single"] as? [[String: Any]] {
                    let specials = single.compactMap { ($0["SpecialToken"] as? [String: Any])?["id"] as? String }
                    guard specials.count == 2,
                          (single.first?["SpecialToken"]) != nil, (single.last?["SpecialToken"]) != nil else {
                        throw TokenizerError.unsupported(field: "post_processor.single", value: "\(specials)")
                    }
                    cls = specials[0]; sep = specials[1]
                }
            default:
                throw TokenizerError.unsupported(field: "post_processor.type", value: ptype)
            }
        }
        func idOf(_ t: String, _ field: String) throws -> Int {
            if let id = vocab.get(Array(t.utf8)) { return Int(id) }
            if let a = addedTokens.first(where: { $0.content == t }) { return a.id }
            throw TokenizerError.invalidVocabulary("\(field) token '\(t)' not in vocab")
        }
        self.clsID = try idOf(cls, "cls")
        self.sepID = try idOf(sep, "sep")
        self.padID = vocab.get(Array("[PAD]".utf8)).map(Int.init)
    }

    // MARK: - Encoding

    /// Ids with `[CLS]` first and `[SEP]` last, truncated to `maxLength` ids in all.
    public func encode(_ text: String, maxLength: Int = 256) -> [Int] {
        var ids = [clsID]
        ids.append(contentsOf: encodeWithoutSpecials(text).prefix(max(0, maxLength - 2)))
        ids.append(sepID)
        return ids
    }

    /// Token strings of `encode(text, maxLength:)`, for debugging.
    public func tokens(for text: String, maxLength: Int = 256) -> [String] {
        encode(text, maxLength: maxLength).map { $0 >= 0 && $0 < tokensByID.count ? tokensByID[$0] : "?" }
    }

    /// WordPiece ids without `[CLS]`/`[SEP]` and without truncation.
    public func encodeWithoutSpecials(_ text: String) -> [Int] {
        var text = text
        var out: [Int] = []
        text.withUTF8 { buf in
            var scalars: [UInt32] = [], offsets: [Int32] = []
            added.split(buf, text: { lo, hi in
                UTF8Scan.decode(buf, lo, hi, scalars: &scalars, offsets: &offsets)
                encodeOrdinary(scalars, &out)
            }, special: { out.append(Int($0)) })
        }
        return out
    }

    private func encodeOrdinary(_ text: [UInt32], _ out: inout [Int]) {
        let scalars = normalize(text)
        // BertPreTokenizer: split on whitespace (removed) and around each punctuation character.
        var scratch = Scratch()
        var start = -1
        scalars.withUnsafeBufferPointer { sc in
            for (i, v) in sc.enumerated() {
                let boundary = isWhitespace(v) || isPunctuation(v)
                if boundary {
                    if start >= 0 { wordPiece(UnsafeBufferPointer(rebasing: sc[start..<i]), &scratch, &out); start = -1 }
                    if !isWhitespace(v) { wordPiece(UnsafeBufferPointer(rebasing: sc[i..<(i + 1)]), &scratch, &out) }
                } else if start < 0 {
                    start = i
                }
            }
            if start >= 0 { wordPiece(UnsafeBufferPointer(rebasing: sc[start..<sc.count]), &scratch, &out) }
        }
    }

    private struct Scratch {
        var bytes: [UInt8] = []
        var bounds: [Int] = []
        var key: [UInt8] = []
    }

    /// Greedy longest-match-first over the scalars of one word.
    private func wordPiece(_ word: UnsafeBufferPointer<UInt32>, _ s: inout Scratch, _ out: inout [Int]) {
        if word.count > maxInputCharsPerWord { out.append(unkID); return }
        s.bytes.removeAll(keepingCapacity: true)
        s.bounds.removeAll(keepingCapacity: true)
        s.bounds.append(0)  // byte offset of each scalar boundary
        for v in word { UTF8Scan.append(v, to: &s.bytes); s.bounds.append(s.bytes.count) }
        let mark = out.count
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32? = nil
            while end > start {
                let len = s.bounds[end] - s.bounds[start] + (start > 0 ? prefixBytes.count : 0)
                if len <= maxTokenBytes {
                    s.key.removeAll(keepingCapacity: true)
                    if start > 0 { s.key.append(contentsOf: prefixBytes) }
                    s.key.append(contentsOf: s.bytes[s.bounds[start]..<s.bounds[end]])
                    if let id = vocab.get(s.key) { found = id; break }
                }
                end -= 1
            }
            guard let id = found else {
                out.removeSubrange(mark...)
                out.append(unkID)
                return
            }
            out.append(Int(id))
            start = end
        }
    }

    // MARK: - BertNormalizer

    /// The normalized text as scalar values.
    func normalize(_ text: String) -> [UInt32] { normalize(text.unicodeScalars.map { $0.value }) }

    func normalize(_ text: [UInt32]) -> [UInt32] {
        var s = text
        guard let cfg = normalizer else { return s }
        if cfg.cleanText {
            var t: [UInt32] = []
            t.reserveCapacity(s.count)
            for v in s {
                if v == 0 || v == 0xFFFD || isControl(v) { continue }
                t.append(isWhitespace(v) ? 0x20 : v)
            }
            s = t
        }
        if cfg.handleChineseChars && s.contains(where: isChineseChar) {
            var t: [UInt32] = []
            t.reserveCapacity(s.count + 16)
            for v in s {
                if isChineseChar(v) { t.append(0x20); t.append(v); t.append(0x20) } else { t.append(v) }
            }
            s = t
        }
        if cfg.stripAccents && s.contains(where: { $0 >= 0xC0 }) {
            // NFD, then drop nonspacing marks (Mn). The result stays decomposed, as in the reference.
            s = NFD.decompose(s).filter { !CharFlags.has($0, CharFlags.nonspacingMark) }
        }
        if cfg.lowercase {
            var t: [UInt32] = []
            t.reserveCapacity(s.count)
            for v in s {
                if v < 128 {
                    t.append((v >= 65 && v <= 90) ? v + 32 : v)
                } else if CharFlags.has(v, CharFlags.lowercases), let sc = Unicode.Scalar(v) {
                    for l in sc.properties.lowercaseMapping.unicodeScalars { t.append(l.value) }
                } else {
                    t.append(v)
                }
            }
            s = t
        }
        return s
    }

    @inline(__always) private func isWhitespace(_ v: UInt32) -> Bool { CharFlags.has(v, CharFlags.whitespace) }
    @inline(__always) private func isControl(_ v: UInt32) -> Bool { CharFlags.has(v, CharFlags.control) }
    @inline(__always) private func isPunctuation(_ v: UInt32) -> Bool { CharFlags.has(v, CharFlags.punctuation) }
    @inline(__always) private func isChineseChar(_ v: UInt32) -> Bool { CharFlags.isChineseChar(v) }
}

/// Character properties used by the BERT normalizer and pre-tokenizer, tabulated for the BMP.
enum CharFlags {
    static let whitespace: UInt8 = 1, control: UInt8 = 2, punctuation: UInt8 = 4
    static let lowercases: UInt8 = 8, nonspacingMark: UInt8 = 16

    static let bmp: [UInt8] = (0..<0x10000).map { compute(UInt32($0)) }

    @inline(__always)
    static func has(_ v: UInt32, _ flag: UInt8) -> Bool {
        (v < 0x10000 ? bmp[Int(v)] : compute(v)) & flag != 0
    }

    static func compute(_ v: UInt32) -> UInt8 {
        var f: UInt8 = 0
        if isWhitespace(v) { f |= whitespace }
        if isControl(v) { f |= control }
        if isPunctuation(v) { f |= punctuation }
        if let sc = Unicode.Scalar(v) {
            if sc.properties.changesWhenLowercased { f |= lowercases }
            if sc.properties.generalCategory == .nonspacingMark { f |= nonspacingMark }
        }
        return f
    }

    /// Tab, newline, carriage return and Unicode White_Space.
    static func isWhitespace(_ v: UInt32) -> Bool {
        if v < 128 { return v == 32 || (v >= 9 && v <= 13) }
        return Unicode.Scalar(v)?.properties.isWhitespace ?? false
    }

    /// Cc, Cf, Cs, Co (unassigned code points are kept) except tab, newline and carriage return.
    static func isControl(_ v: UInt32) -> Bool {
        if v == 9 || v == 10 || v == 13 { return false }
        if v < 128 { return v < 32 || v == 127 }
        guard let sc = Unicode.Scalar(v) else { return true }
        switch sc.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse: return true  // not Cn, as the reference
        default: return false
        }
    }

    /// ASCII punctuation (33–47, 58–64, 91–96, 123–126) or Unicode P*.
    static func isPunctuation(_ v: UInt32) -> Bool {
        if v < 128 { return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) }
        guard let sc = Unicode.Scalar(v) else { return false }
        switch sc.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// CJK ideograph ranges as in Hugging Face `tokenizers` (`bert.rs`).
    static func isChineseChar(_ v: UInt32) -> Bool {
        switch v {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}

/// Canonical decomposition (NFD) of scalar arrays: per-scalar decompositions (from Foundation,
/// cached) followed by the canonical ordering of combining marks. Normalizing a whole long
/// string with Foundation at once is slow on Linux (quadratic copying).
enum NFD {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [UInt32: [UInt32]] = [:]

    static func decomposition(_ v: UInt32) -> [UInt32]? {
        if v < 0xC0 { return nil }
        lock.lock()
        let hit = cache[v]
        lock.unlock()
        if let hit { return hit.isEmpty ? nil : hit }
        var view = String.UnicodeScalarView()
        view.append(Unicode.Scalar(v)!)
        let d = String(view).decomposedStringWithCanonicalMapping.unicodeScalars.map { $0.value }
        let value: [UInt32] = (d == [v]) ? [] : d
        lock.lock()
        if cache.count < 100_000 { cache[v] = value }
        lock.unlock()
        return value.isEmpty ? nil : value
    }

    static func decompose(_ s: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count + 8)
        for v in s {
            if let d = decomposition(v) { out.append(contentsOf: d) } else { out.append(v) }
        }
        // Canonical ordering: stable sort of each run of marks with non-zero combining class.
        var i = 0
        while i < out.count {
            guard ccc(out[i]) != 0 else { i += 1; continue }
            var j = i + 1
            while j < out.count && ccc(out[j]) != 0 { j += 1 }
            if j - i > 1 {
                let run = out[i..<j].enumerated().sorted {
                    let a = ccc($0.element), b = ccc($1.element)
                    return a != b ? a < b : $0.offset < $1.offset
                }.map { $0.element }
                out.replaceSubrange(i..<j, with: run)
            }
            i = j
        }
        return out
    }

    @inline(__always)
    static func ccc(_ v: UInt32) -> UInt8 {
        if v < 0x300 { return 0 }
        return Unicode.Scalar(v)?.properties.canonicalCombiningClass.rawValue ?? 0
    }
}
