/// Keras/TensorFlow padding for convolutions and pooling.
public enum Padding: String, Sendable, Codable {
    /// No padding; windows that do not fit are dropped.
    case valid
    /// Output size ⌈input / stride⌉; zeros split with the extra one at the end.
    case same

    /// Output length and padding before, for one spatial axis.
    public func outputLength(input: Int, window: Int, stride: Int) -> (length: Int, padBefore: Int) {
        switch self {
        case .valid:
            return (input >= window ? (input - window) / stride + 1 : 0, 0)
        case .same:
            let length = (input + stride - 1) / stride
            let total = Swift.max((length - 1) * stride + window - input, 0)
            return (length, total / 2)
        }
    }
}
