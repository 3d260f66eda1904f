/// Shape changes that keep the values in row-major order.
extension Tensor {
    /// A view with another shape and the same element count; one dimension
    /// may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(Tensor.elementCount(resolved) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor.result(shape: resolved, storage: storage, inputs: [self]) { upstream in
            [Tensor(shape: self.shape, storage: upstream.storage)]
        }
    }

    /// Rows `indices` of the first axis, copied (mini-batch gathering).
    public func gatherRows(_ indices: ArraySlice<Int>) -> Tensor {
        let rowSize = count / Swift.max(shape.first ?? 1, 1)
        let output = Tensor(uninitializedShape: [indices.count] + shape.dropFirst())
        for (position, index) in indices.enumerated() {
            (output.pointer + position * rowSize).update(from: pointer + index * rowSize, count: rowSize)
        }
        return output
    }
}
