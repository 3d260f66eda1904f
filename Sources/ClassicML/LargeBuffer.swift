#if canImport(Glibc)
import Glibc
#endif

/// A large, uninitialised array (the owner writes every element) for data that is read at random (tree
/// features): 2 MiB aligned and marked for transparent huge pages, so that
/// random reads across hundreds of megabytes do not miss the TLB on every
/// access. numpy does the same for its large arrays, so scikit-learn's trees
/// read their features through huge pages too. Where the kernel does not
/// grant them, this is an ordinary allocation.
final class LargeBuffer<Element>: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Element>

    init(count: Int) {
        self.count = count
        let bytes = max(count * MemoryLayout<Element>.stride, 1)
        let alignment = 2 << 20
        var raw: UnsafeMutableRawPointer?
        if posix_memalign(&raw, bytes >= alignment ? alignment : 64, bytes) != 0 || raw == nil {
            raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        }
        #if canImport(Glibc)
        if bytes >= alignment { _ = madvise(raw, bytes, 14) }  // MADV_HUGEPAGE
        #endif
        pointer = raw!.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }
}
