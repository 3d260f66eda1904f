/// Errors of Platform workflows, phrased for the person who gave the input.
public enum PlatformError: Error, CustomStringConvertible, Equatable {
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidInput(let message): message
        }
    }
}
