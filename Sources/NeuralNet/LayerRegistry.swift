/// Keras class names → layer constructors.
public enum LayerRegistry {
    typealias Constructor = (inout LayerConfigReader) throws -> Layer

    static let constructors: [String: Constructor] = [
        "InputLayer": { try InputLayer(reader: &$0) },
        "Dense": { try Dense(reader: &$0) },
        "Conv2D": { try Conv2D(reader: &$0) },
        "Convolution2D": { try Conv2D(reader: &$0) },
        "MaxPooling2D": { try MaxPooling2D(reader: &$0) },
        "MaxPool2D": { try MaxPooling2D(reader: &$0) },
        "AveragePooling2D": { try AveragePooling2D(reader: &$0) },
        "AvgPool2D": { try AveragePooling2D(reader: &$0) },
        "Flatten": { try Flatten(reader: &$0) },
        "Reshape": { try Reshape(reader: &$0) },
        "Dropout": { try Dropout(reader: &$0) },
        "BatchNormalization": { try BatchNormalization(reader: &$0) },
        "Activation": { try ActivationLayer(reader: &$0) },
        "Rescaling": { try Rescaling(reader: &$0) },
    ]

    public static var supportedClassNames: [String] { constructors.keys.sorted() }

    /// Builds one layer from its Keras class name and config, checking every option.
    public static func layer(className: String, config: [String: JSONValue]) throws -> Layer {
        guard let constructor = constructors[className] else {
            throw NeuralNetError.unknownLayer(className: className, name: config["name"]?.string)
        }
        var reader = LayerConfigReader(className: className, config: config)
        // tf.keras 2 puts the input shape on the first layer; the model reads it.
        reader.ignore("batch_input_shape", "batch_shape", "input_shape")
        let layer = try constructor(&reader)
        try reader.finish()
        // An unnamed layer gets a Keras-style name ("dense", "dense_1") from
        // Sequential rather than its class name.
        if config["name"]?.string == nil { layer.name = "" }
        return layer
    }
}
