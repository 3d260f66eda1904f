import CKernels

/// Fork-join parallelism on the kernels' thread pool (one thread per core,
/// or `ORCHARD_THREADS`). Tasks must write disjoint outputs; results then do
/// not depend on the thread count or on timing.
public enum Parallel {
    public static var threadCount: Int { Int(ork_thread_count()) }

    /// Kernels called from the current thread run on it alone (`true`) or
    /// across the pool again (`false`). For threads that are themselves one
    /// of several parallel workers (serving replicas): waking the pool for a
    /// small batch costs more than it saves, and its workers' spinning would
    /// take the cores the other requests need.
    public static func runSerially(onCurrentThread serial: Bool) { ork_thread_serial(serial ? 1 : 0) }

    /// Runs `body(0..<count)` across the pool and the calling thread.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { task in
            var context = task
            withUnsafeMutablePointer(to: &context) { pointer in
                ork_parallel_for(count, { raw, index in
                    raw!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                }, pointer)
            }
        }
    }

    /// Splits [0, total) into at most `threadCount` contiguous chunks of at
    /// least `grain` (rounded to multiples of `alignment`) and runs them in parallel.
    public static func forChunks(_ total: Int, grain: Int = 1, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        let chunks = max(1, min(threads, total / max(grain, 1)))
        guard chunks > 1 else {
            if total > 0 { body(0..<total) }
            return
        }
        var size = (total + chunks - 1) / chunks
        size = (size + alignment - 1) / alignment * alignment
        let count = (total + size - 1) / size
        forEach(count) { index in
            body((index * size)..<min(total, (index + 1) * size))
        }
    }
}
