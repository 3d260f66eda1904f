/// A dense, row-major Float32 n-dimensional array that can take part in
/// reverse-mode automatic differentiation.
///
/// Images are NHWC (channels_last), as in Keras. A tensor's values may be
/// changed in place only by optimizers (on parameters) and by code that just
/// created it; every op returns a new tensor.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: [Int]
    public let storage: TensorStorage
    /// Whether gradients flow to this tensor (parameters, or results of ops on them).
    public var requiresGrad: Bool
    /// d(loss)/d(self) after `backward()`; same shape as `self`.
    public internal(set) var grad: Tensor?
    /// How this tensor was computed, when it was computed from tensors that
    /// require gradients (nil for leaves and in no-grad mode).
    var node: AutodiffNode?

    public init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(Tensor.elementCount(shape) == storage.count,
                     "shape \(shape) needs \(Tensor.elementCount(shape)) elements, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: TensorStorage(values), requiresGrad: requiresGrad)
    }

    /// A tensor whose values the caller writes before anyone reads them.
    public convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: Tensor.elementCount(shape)))
    }

    public static func zeros(_ shape: [Int]) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let base = result.pointer
        Parallel.forChunks(result.count, grain: elementwiseGrain, alignment: 16) { range in
            (base + range.lowerBound).update(repeating: 0, count: range.count)
        }
        return result
    }

    /// Elements below which an elementwise kernel stays on one thread.
    public static let elementwiseGrain = 1 << 16

    public static func filled(_ shape: [Int], with value: Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.storage.pointer.update(repeating: value, count: result.count)
        return result
    }

    public static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], values: [value]) }

    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var values: [Float] { Array(storage.buffer) }

    /// The value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with \(count) elements")
        return storage.pointer[0]
    }

    /// A copy that shares nothing and records no history.
    public func copy() -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.pointer.update(from: pointer, count: count)
        return result
    }

    /// The same values, cut from the autodiff graph.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    public var description: String {
        let preview = storage.buffer.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), values: [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
