// An n-dimensional array read from an IDX file, converted to Float32
// (raw values, no rescaling: u8 pixels stay in 0...255).

public struct IDXArray: Equatable, Sendable {
    /// Dimensions, outermost first (MNIST images: [count, 28, 28]).
    public var shape: [Int]
    /// Row-major values; `values.count == shape.reduce(1, *)`.
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}
