// Keys and values of past positions, F16 as llama.cpp stores them by
// default, for a fixed number of sequences (slots) of up to `contextLength`
// positions each. Memory per slot: 2 × layers × contextLength × kvDim × 2
// bytes (SmolLM2-135M, 2048 positions: 2·30·2048·192·2 = 47 MB). Pages are
// touched only as positions fill, so an idle slot costs address space only.

import CKernels

public final class KVCache: @unchecked Sendable {
    public let slotCount: Int
    public let layerCount: Int
    public let contextLength: Int
    public let kvDim: Int
    /// (slots, layers, contextLength, kvDim) F16.
    let keys: UnsafeMutablePointer<UInt16>
    /// (slots, layers, contextLength, kvDim) F16.
    let values: UnsafeMutablePointer<UInt16>

    public init(slots: Int, layers: Int, contextLength: Int, kvDim: Int) {
        slotCount = slots
        layerCount = layers
        self.contextLength = contextLength
        self.kvDim = kvDim
        let count = slots * layers * contextLength * kvDim
        // calloc: large zeroed allocations are mapped lazily.
        keys = calloc(count, 2)!.assumingMemoryBound(to: UInt16.self)
        values = calloc(count, 2)!.assumingMemoryBound(to: UInt16.self)
    }

    deinit {
        free(keys)
        free(values)
    }

    public var bytesPerSlot: Int { 2 * layerCount * contextLength * kvDim * 2 }

    @inline(__always) func offset(slot: Int, layer: Int, position: Int) -> Int {
        ((slot * layerCount + layer) * contextLength + position) * kvDim
    }

    /// Stores one position's key and value rows (float → F16).
    func store(slot: Int, layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let o = offset(slot: slot, layer: layer, position: position)
        ork_fp32_to_fp16_row(key, keys + o, kvDim)
        ork_fp32_to_fp16_row(value, values + o, kvDim)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
