/// Sort keys of tree features. Trees split on Float32 values, as scikit-learn's
/// do; each value is stored as a UInt32 whose unsigned order is the value's
/// order (sign bit flipped for positives, all bits for negatives), so split
/// search sorts and compares integers. −0 is stored as +0, so equal values
/// have equal keys.
enum SortKey {
    @inline(__always)
    static func make(_ value: Float) -> UInt32 {
        let bits = (value == 0 ? 0 : value).bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    @inline(__always)
    static func value(_ key: UInt32) -> Float {
        Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
    }
}

/// Sorts `count` packed values (key << 32 | payload) by key, the upper 32
/// bits; the order of equal keys is unspecified. Large arrays take an LSD
/// radix sort on the key's bytes that skips bytes all keys share (pixel
/// values 0–255 as Float32 need two of the four passes); small ones a
/// three-way quicksort, which takes long runs of equal values in one pass.
/// `scratch` holds `count` values; `histogram` 4 × 256.
func sortPacked(_ values: UnsafeMutablePointer<UInt64>, _ count: Int, scratch: UnsafeMutablePointer<UInt64>,
                histogram: UnsafeMutablePointer<Int>) {
    if count < 384 {
        quicksortPacked(values, 0, count)
        return
    }
    histogram.update(repeating: 0, count: 1024)
    for i in 0..<count {
        let key = values[i] >> 32
        histogram[Int(key & 0xFF)] += 1
        histogram[256 + Int((key >> 8) & 0xFF)] += 1
        histogram[512 + Int((key >> 16) & 0xFF)] += 1
        histogram[768 + Int(key >> 24)] += 1
    }
    var source = values, target = scratch
    let first = values[0] >> 32
    for digit in 0..<4 {
        let shift = UInt64(32 + 8 * digit)
        let counts = histogram + 256 * digit
        // Every key has this byte: the pass would not move anything.
        if counts[Int((first >> UInt64(8 * digit)) & 0xFF)] == count { continue }
        var offset = 0
        for bucket in 0..<256 {
            let size = counts[bucket]
            counts[bucket] = offset
            offset += size
        }
        for i in 0..<count {
            let value = source[i]
            let bucket = Int((value >> shift) & 0xFF)
            target[counts[bucket]] = value
            counts[bucket] += 1
        }
        swap(&source, &target)
    }
    if source != values { values.update(from: source, count: count) }
}

private func quicksortPacked(_ a: UnsafeMutablePointer<UInt64>, _ start: Int, _ end: Int) {
    var low = start, high = end
    while high - low > 16 {
        // Median of three as the pivot.
        let middle = low + (high - low) / 2
        let x = a[low] >> 32, y = a[middle] >> 32, z = a[high - 1] >> 32
        let pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y))
        // [low, lt) < pivot, [lt, i) == pivot, (gt, high) > pivot
        var lt = low, i = low, gt = high - 1
        while i <= gt {
            let key = a[i] >> 32
            if key < pivot {
                a.swapAt(lt, i)
                lt += 1
                i += 1
            } else if key > pivot {
                a.swapAt(i, gt)
                gt -= 1
            } else {
                i += 1
            }
        }
        // Recurse into the smaller side, loop on the larger (bounded stack).
        if lt - low < high - (gt + 1) {
            quicksortPacked(a, low, lt)
            low = gt + 1
        } else {
            quicksortPacked(a, gt + 1, high)
            high = lt
        }
    }
    if high - low > 1 {
        for i in (low + 1)..<high {
            let item = a[i]
            let key = item >> 32
            var j = i - 1
            while j >= low && a[j] >> 32 > key {
                a[j + 1] = a[j]
                j -= 1
            }
            a[j + 1] = item
        }
    }
}

extension UnsafeMutablePointer {
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
