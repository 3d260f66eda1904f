@testable import ClassicML
import Testing
import Tensor

/// Trees sort Float32 values as integer keys; the keys must keep the
/// values' order and the sort must be a sort, on both of its paths.
@Suite struct TreeSortTests {
    @Test func sortKeysKeepTheOrderOfValues() {
        let values: [Float] = [-.infinity, -1e30, -2.5, -1, -1e-30, -0.0, 0, 1e-30, 1, 2.5, 255, 1e30, .infinity]
        let keys = values.map(SortKey.make)
        for i in 1..<keys.count { #expect(keys[i - 1] <= keys[i], "\(values[i - 1]) vs \(values[i])") }
        #expect(SortKey.make(-0.0) == SortKey.make(0))
        for value in values { #expect(SortKey.value(SortKey.make(value)) == value) }
    }

    @Test(arguments: [0, 1, 17, 383, 384, 5000])
    func sortsPackedKeys(_ count: Int) {
        var generator = RandomGenerator(seed: UInt64(count))
        for kind in 0..<3 {
            // Pixel-like values (many zeros), wide-range values, negatives.
            let values: [Float] = (0..<count).map { _ in
                let r = generator.next()
                switch kind {
                case 0: return r % 4 == 0 ? Float((r >> 8) % 256) : 0
                case 1: return Float(bitPattern: UInt32(truncatingIfNeeded: r) & 0x7F7F_FFFF)
                default: return Float(Int(r % 2001) - 1000) / 7
                }
            }
            var packed = values.enumerated().map { UInt64(SortKey.make($1)) << 32 | UInt64($0) }
            let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: max(count, 1))
            let histogram = UnsafeMutablePointer<Int>.allocate(capacity: 1024)
            packed.withUnsafeMutableBufferPointer { buffer in
                if let base = buffer.baseAddress { sortPacked(base, count, scratch: scratch, histogram: histogram) }
            }
            scratch.deallocate()
            histogram.deallocate()
            let sortedValues = packed.map { values[Int($0 & 0xFFFF_FFFF)] }
            #expect(sortedValues == values.sorted(), "kind \(kind)")
            #expect(Set(packed.map { $0 & 0xFFFF_FFFF }).count == count, "every payload kept once")
        }
    }
}
