#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 64-byte aligned, owned buffer of `Float`s.
///
/// Tensors share a storage when one is a reshaped view of another; kernels
/// write only into storages they allocated themselves, so sharing is safe.
public final class TensorStorage: @unchecked Sendable {
    /// (count)
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Uninitialized memory: the caller must write every element.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative element count \(count)")
        self.count = count
        let raw = BufferCache.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit {
        BufferCache.shared.release(UnsafeMutableRawPointer(pointer), bytes: max(count, 1) * MemoryLayout<Float>.stride)
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
