#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps freed large buffers for reuse, keyed by exact size, as deep-learning
/// runtimes' caching allocators do: a training step allocates the same sizes
/// every step, and fresh multi-megabyte allocations from the system cost a
/// page fault per 4 KiB (measured: a third of a step's time in the kernel).
final class BufferCache: @unchecked Sendable {
    static let shared = BufferCache()

    /// Buffers smaller than this go straight to malloc.
    static let minimumBytes = 1 << 16
    /// Upper bound on idle cached memory.
    static let capacityBytes = 1 << 30

    private var lock = pthread_mutex_t()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cachedBytes = 0

    private init() { pthread_mutex_init(&lock, nil) }

    /// A 64-byte aligned buffer of `bytes` bytes (contents undefined).
    func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= BufferCache.minimumBytes {
            pthread_mutex_lock(&lock)
            if let reused = free[bytes]?.popLast() {
                cachedBytes -= bytes
                pthread_mutex_unlock(&lock)
                return reused
            }
            pthread_mutex_unlock(&lock)
        }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, max(bytes, 64)) == 0, let raw else {
            fatalError("out of memory allocating \(bytes) bytes")
        }
        return raw
    }

    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= BufferCache.minimumBytes {
            pthread_mutex_lock(&lock)
            if cachedBytes + bytes <= BufferCache.capacityBytes {
                free[bytes, default: []].append(pointer)
                cachedBytes += bytes
                pthread_mutex_unlock(&lock)
                return
            }
            pthread_mutex_unlock(&lock)
        }
        Glibc.free(pointer)
    }
}
