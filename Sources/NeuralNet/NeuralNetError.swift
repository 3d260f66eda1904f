/// Errors a user can act on: each names the layer, option, file or value at fault.
public enum NeuralNetError: Error, CustomStringConvertible, Equatable {
    case unknownLayer(className: String, name: String?)
    case unknownOption(layer: String, option: String)
    case unsupportedValue(layer: String, option: String, found: String, expected: String)
    case invalidModel(String)
    case incompatibleShape(layer: String, inputShape: [Int], reason: String)
    case unknownName(kind: String, name: String, known: [String])
    case weightsMismatch(file: String, detail: String)
    case invalidData(String)

    public var description: String {
        switch self {
        case .unknownLayer(let className, let name):
            return "unknown layer class '\(className)'\(name.map { " (layer '\($0)')" } ?? ""); supported: "
                + LayerRegistry.supportedClassNames.joined(separator: ", ")
        case .unknownOption(let layer, let option):
            return "layer \(layer): unknown option '\(option)'"
        case .unsupportedValue(let layer, let option, let found, let expected):
            return "layer \(layer): option '\(option)' is \(found); Orchard supports \(expected)"
        case .invalidModel(let message):
            return message
        case .incompatibleShape(let layer, let inputShape, let reason):
            return "layer \(layer): input shape \(inputShape) \(reason)"
        case .unknownName(let kind, let name, let known):
            return "unknown \(kind) '\(name)'; known: \(known.joined(separator: ", "))"
        case .weightsMismatch(let file, let detail):
            return "\(file): weights do not match the architecture: \(detail)"
        case .invalidData(let message):
            return message
        }
    }
}
