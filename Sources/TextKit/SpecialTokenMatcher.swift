// Finds special / added tokens in raw UTF-8 text: leftmost match, longest at a position
// (the Hugging Face `AddedVocabulary` semantics).

struct SpecialTokenMatcher {
    /// Candidates grouped by first byte, longest first.
    private var byFirst: [[(bytes: [UInt8], id: Int32)]] = Array(repeating: [], count: 256)
    private(set) var isEmpty = true

    init(_ tokens: [(bytes: [UInt8], id: Int32)]) {
        for t in tokens where !t.bytes.isEmpty {
            byFirst[Int(t.bytes[0])].append(t)
            isEmpty = false
        }
        for i in 0..<256 where byFirst[i].count > 1 {
            byFirst[i].sort { $0.bytes.count > $1.bytes.count }
        }
    }

    /// Calls `text(lo, hi)` for the ordinary stretches and `special(id)` for each match, in order.
    func split(_ buf: UnsafeBufferPointer<UInt8>, text: (Int, Int) -> Void, special: (Int32) -> Void) {
        let n = buf.count
        if isEmpty {
            if n > 0 { text(0, n) }
            return
        }
        var start = 0
        var i = 0
        while i < n {
            let cands = byFirst[Int(buf[i])]
            var matched: (len: Int, id: Int32)? = nil
            if !cands.isEmpty {
                for c in cands where c.bytes.count <= n - i {
                    var ok = true
                    var k = 1
                    while k < c.bytes.count {
                        if buf[i + k] != c.bytes[k] { ok = false; break }
                        k += 1
                    }
                    if ok { matched = (c.bytes.count, c.id); break }
                }
            }
            if let m = matched {
                if start < i { text(start, i) }
                special(m.id)
                i += m.len
                start = i
            } else {
                i += 1
            }
        }
        if start < n { text(start, n) }
    }
}
