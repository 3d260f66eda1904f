// Open-addressing hash tables with a cheap hash, for the hot lookups of the tokenizers
// (Swift's `Dictionary` hashes every byte through SipHash, which dominated encode time).

@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
    var z = x &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 32)) &* 0xD6E8_FEB8_6659_FD93
    return z ^ (z >> 32)
}

@inline(__always)
func hashBytes(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(p.count)
    var i = 0
    let n = p.count
    guard let base = p.baseAddress else { return mix64(h) }
    let raw = UnsafeRawPointer(base)
    while i + 8 <= n {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
        h ^= h >> 29
        i += 8
    }
    if i < n {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n { tail |= UInt64(base[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0x0000_0100_0000_01B3
    }
    return mix64(h)
}

/// Byte string → Int32 value, with keys stored in one flat buffer.
struct ByteKeyTable {
    private var slots: [Int32]          // entry index, -1 empty
    private var hashes: [UInt64] = []
    private var keyStart: [Int32] = []
    private var keyLen: [Int32] = []
    private var values: [Int32] = []
    private var pool: [UInt8] = []
    private var mask: Int

    init(capacity: Int = 16) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        slots = [Int32](repeating: -1, count: cap)
        mask = cap - 1
    }

    var count: Int { values.count }

    mutating func removeAll() {
        self = ByteKeyTable(capacity: 16)
    }

    @inline(__always)
    private func find(_ key: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> (slot: Int, entry: Int32) {
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = slots[s]
            if e < 0 { return (s, -1) }
            let ei = Int(e)
            if hashes[ei] == h && Int(keyLen[ei]) == key.count {
                let start = Int(keyStart[ei])
                var same = true
                pool.withUnsafeBufferPointer { pb in
                    for k in 0..<key.count where pb[start + k] != key[k] { same = false; break }
                }
                if same { return (s, e) }
            }
            s = (s + 1) & mask
        }
    }

    @inline(__always)
    func get(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let (_, e) = find(key, hashBytes(key))
        return e < 0 ? nil : values[Int(e)]
    }

    func get(_ key: [UInt8]) -> Int32? { key.withUnsafeBufferPointer { get($0) } }

    /// Inserts or replaces.
    mutating func set(_ key: UnsafeBufferPointer<UInt8>, _ value: Int32) {
        let h = hashBytes(key)
        let (s, e) = find(key, h)
        if e >= 0 { values[Int(e)] = value; return }
        slots[s] = Int32(values.count)
        hashes.append(h)
        keyStart.append(Int32(pool.count))
        keyLen.append(Int32(key.count))
        pool.append(contentsOf: key)
        values.append(value)
        if values.count * 2 > slots.count { grow() }
    }

    mutating func set(_ key: [UInt8], _ value: Int32) { key.withUnsafeBufferPointer { set($0, value) } }

    private mutating func grow() {
        let cap = slots.count * 2
        slots = [Int32](repeating: -1, count: cap)
        mask = cap - 1
        for (i, h) in hashes.enumerated() {
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(i)
        }
    }
}

/// (UInt32, UInt32) pair → UInt64 value (BPE merges: ids → rank and merged id).
struct PairTable {
    private var keys: [UInt64]
    private var vals: [UInt64]
    private var used: [Bool]
    private let mask: Int

    init<S: Sequence>(_ entries: S, count: Int) where S.Element == (UInt64, UInt64) {
        var cap = 16
        while cap < count * 2 { cap <<= 1 }
        keys = [UInt64](repeating: 0, count: cap)
        vals = [UInt64](repeating: 0, count: cap)
        used = [Bool](repeating: false, count: cap)
        mask = cap - 1
        for (k, v) in entries {
            var s = Int(truncatingIfNeeded: mix64(k)) & mask
            while used[s] && keys[s] != k { s = (s + 1) & mask }
            if !used[s] { used[s] = true; keys[s] = k; vals[s] = v }  // first (lowest rank) wins
        }
    }

    @inline(__always)
    func get(_ k: UInt64) -> UInt64? {
        var s = Int(truncatingIfNeeded: mix64(k)) & mask
        while used[s] {
            if keys[s] == k { return vals[s] }
            s = (s + 1) & mask
        }
        return nil
    }
}
