/// Sorts (value, sample) pairs by value for split search: quicksort with a
/// median-of-three pivot and three-way partitioning (Dijkstra), so that the
/// long runs of equal values in tabular and pixel data (zeros) cost one pass,
/// as in scikit-learn's splitter; insertion sort below 16 elements. The order
/// of equal values is unspecified, which split search does not depend on.
func sortByValue(_ pairs: UnsafeMutableBufferPointer<(Double, Int)>) {
    guard let base = pairs.baseAddress else { return }
    sortRange(base, 0, pairs.count)
}

private func sortRange(_ a: UnsafeMutablePointer<(Double, Int)>, _ start: Int, _ end: Int) {
    var low = start, high = end
    while high - low > 16 {
        // Median of three as the pivot.
        let middle = low + (high - low) / 2
        let x = a[low].0, y = a[middle].0, z = a[high - 1].0
        let pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y))
        // [low, lt) < pivot, [lt, i) == pivot, (gt, high) > pivot
        var lt = low, i = low, gt = high - 1
        while i <= gt {
            let value = a[i].0
            if value < pivot {
                swap(a, lt, i)
                lt += 1
                i += 1
            } else if value > pivot {
                swap(a, i, gt)
                gt -= 1
            } else {
                i += 1
            }
        }
        // Recurse into the smaller side, loop on the larger (bounded stack).
        if lt - low < high - (gt + 1) {
            sortRange(a, low, lt)
            low = gt + 1
        } else {
            sortRange(a, gt + 1, high)
            high = lt
        }
    }
    // Insertion sort for short ranges.
    if high - low > 1 {
        for i in (low + 1)..<high {
            let item = a[i]
            var j = i - 1
            while j >= low && a[j].0 > item.0 {
                a[j + 1] = a[j]
                j -= 1
            }
            a[j + 1] = item
        }
    }
}

@inline(__always)
private func swap(_ a: UnsafeMutablePointer<(Double, Int)>, _ i: Int, _ j: Int) {
    let t = a[i]
    a[i] = a[j]
    a[j] = t
}
