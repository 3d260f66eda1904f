/// Elementwise arithmetic. Operands have the same shape, or one is a scalar
/// tensor (shape [] or [1]) broadcast over the other.
extension Tensor {
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> TensorStorage {
        let storage = TensorStorage(uninitializedCount: x.count)
        let source = x.pointer, destination = storage.pointer
        for i in 0..<x.count { destination[i] = f(source[i]) }
        return storage
    }

    @inline(__always)
    static func zipMap(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> TensorStorage {
        let storage = TensorStorage(uninitializedCount: a.count)
        let left = a.pointer, right = b.pointer, destination = storage.pointer
        for i in 0..<a.count { destination[i] = f(left[i], right[i]) }
        return storage
    }

    var isScalarLike: Bool { count == 1 && rank <= 1 }

    /// Sum of a gradient over a broadcast: a scalar operand gets the total.
    func reduced(toMatch operand: Tensor) -> Tensor {
        if operand.shape == shape { return self }
        precondition(operand.isScalarLike, "cannot reduce \(shape) to \(operand.shape)")
        return Tensor(shape: operand.shape, values: [sumOfElements()])
    }

    func sumOfElements() -> Float {
        var total: Double = 0
        for i in 0..<count { total += Double(pointer[i]) }
        return Float(total)
    }

    static func broadcastPair(_ a: Tensor, _ b: Tensor, _ op: String) -> (shape: [Int], aScalar: Bool, bScalar: Bool) {
        if a.shape == b.shape { return (a.shape, false, false) }
        if b.isScalarLike { return (a.shape, false, true) }
        if a.isScalarLike { return (b.shape, true, false) }
        preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not match")
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (shape, aScalar, bScalar) = broadcastPair(a, b, "add")
        let storage: TensorStorage
        if aScalar { let s = a.pointer[0]; storage = map(b) { s + $0 } }
        else if bScalar { let s = b.pointer[0]; storage = map(a) { $0 + s } }
        else { storage = zipMap(a, b, +) }
        return result(shape: shape, storage: storage, inputs: [a, b]) { upstream in
            [upstream.reduced(toMatch: a), upstream.reduced(toMatch: b)]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (shape, aScalar, bScalar) = broadcastPair(a, b, "subtract")
        let storage: TensorStorage
        if aScalar { let s = a.pointer[0]; storage = map(b) { s - $0 } }
        else if bScalar { let s = b.pointer[0]; storage = map(a) { $0 - s } }
        else { storage = zipMap(a, b, -) }
        return result(shape: shape, storage: storage, inputs: [a, b]) { upstream in
            [upstream.reduced(toMatch: a), (-upstream).reduced(toMatch: b)]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (shape, aScalar, bScalar) = broadcastPair(a, b, "multiply")
        let storage: TensorStorage
        if aScalar { let s = a.pointer[0]; storage = map(b) { s * $0 } }
        else if bScalar { let s = b.pointer[0]; storage = map(a) { $0 * s } }
        else { storage = zipMap(a, b, *) }
        return result(shape: shape, storage: storage, inputs: [a, b]) { upstream in
            [a.requiresGrad ? (upstream * b.detached()).reduced(toMatch: a) : nil,
             b.requiresGrad ? (upstream * a.detached()).reduced(toMatch: b) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (shape, aScalar, bScalar) = broadcastPair(a, b, "divide")
        let storage: TensorStorage
        if aScalar { let s = a.pointer[0]; storage = map(b) { s / $0 } }
        else if bScalar { let s = b.pointer[0]; storage = map(a) { $0 / s } }
        else { storage = zipMap(a, b, /) }
        return result(shape: shape, storage: storage, inputs: [a, b]) { upstream in
            let denominator = b.detached()
            let gradA = a.requiresGrad ? (upstream / denominator).reduced(toMatch: a) : nil
            let gradB = b.requiresGrad
                ? (-(upstream * a.detached()) / (denominator * denominator)).reduced(toMatch: b) : nil
            return [gradA, gradB]
        }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        result(shape: x.shape, storage: map(x) { -$0 }, inputs: [x]) { upstream in [-upstream] }
    }

    public static func * (x: Tensor, s: Float) -> Tensor { x.scaled(by: s) }
    public static func * (s: Float, x: Tensor) -> Tensor { x.scaled(by: s) }
    public static func + (x: Tensor, s: Float) -> Tensor {
        result(shape: x.shape, storage: map(x) { $0 + s }, inputs: [x]) { upstream in [upstream] }
    }
    public static func - (x: Tensor, s: Float) -> Tensor { x + (-s) }

    public func scaled(by s: Float) -> Tensor {
        Tensor.result(shape: shape, storage: Tensor.map(self) { $0 * s }, inputs: [self]) { upstream in
            [upstream.scaled(by: s)]
        }
    }

    public func exp() -> Tensor {
        let output = Tensor.map(self) { Foundation.exp($0) }
        let outputTensor = Tensor(shape: shape, storage: output)
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            [upstream * outputTensor]
        }
    }

    public func log() -> Tensor {
        Tensor.result(shape: shape, storage: Tensor.map(self) { Foundation.log($0) }, inputs: [self]) { upstream in
            [upstream / self.detached()]
        }
    }

    public func squared() -> Tensor {
        Tensor.result(shape: shape, storage: Tensor.map(self) { $0 * $0 }, inputs: [self]) { upstream in
            [upstream * self.detached().scaled(by: 2)]
        }
    }

    public func squareRoot() -> Tensor {
        let output = Tensor.map(self) { $0.squareRoot() }
        let outputTensor = Tensor(shape: shape, storage: output)
        return Tensor.result(shape: shape, storage: output, inputs: [self]) { upstream in
            [upstream / outputTensor.scaled(by: 2)]
        }
    }

    public func absolute() -> Tensor {
        Tensor.result(shape: shape, storage: Tensor.map(self) { Swift.abs($0) }, inputs: [self]) { upstream in
            let sign = Tensor(shape: self.shape, storage: Tensor.map(self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
            return [upstream * sign]
        }
    }

    /// Values clipped to [low, high]; the gradient passes where not clipped.
    public func clipped(_ low: Float, _ high: Float) -> Tensor {
        Tensor.result(shape: shape, storage: Tensor.map(self) { Swift.min(Swift.max($0, low), high) },
                      inputs: [self]) { upstream in
            let mask = Tensor(shape: self.shape, storage: Tensor.map(self) { $0 >= low && $0 <= high ? 1 : 0 })
            return [upstream * mask]
        }
    }
}

import Foundation
