import Foundation
import ImageIO
import NeuralNet
import Tensor

/// `POST /api/v1/deployments/{name}/predict` with `Content-Type: image/png`:
/// one image, decoded and fitted to the model's input shape as `ImageInput`
/// documents (gray by luma, alpha over black, box-filter resampling when
/// the size differs), then the model's preprocessing (rescale) is replayed
/// as for every raw input. The answer has the CSV path's shape, one row.
public enum ImagePrediction {
    static let pngSignature = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    /// Width × height accepted from a caller (a 4096 × 4096 image).
    public static let maxPixels = 1 << 24

    /// The raw (not yet rescaled) input values of one sample.
    public static func inputValues(png: Data, inputShape: [Int]) throws -> [Float] {
        let image: Image
        do { image = try PNGDecoder(maxPixels: maxPixels).decode(png) } catch let error as PNGError {
            throw ServiceError.invalid(field: "body", message: error.description)
        }
        do { return try ImageInput.values(image, inputShape: inputShape) } catch let error as ImageInput.Failure {
            throw ServiceError.invalid(field: "Content-Type", message: "\(error.description); send CSV rows instead")
        }
    }

    public static func predict(png: Data, model: LoadedModel) async throws -> JSON {
        let values = try inputValues(png: png, inputShape: model.inputShape)
        let outputs = try await model.predict(values, rows: 1, raw: true)
        return PredictionAnswer.json(model: model, outputs: outputs, rows: 1)
    }
}

extension ModelRunner {
    /// Outputs (1, outputs…) for one PNG, with the model's rescale replayed.
    public func predict(png: Data) throws -> Tensor {
        var values = try ImagePrediction.inputValues(png: png, inputShape: model.inputShape)
        if let rescale = saved.preprocessing.rescale, rescale != 1 {
            for index in values.indices { values[index] *= rescale }
        }
        return model.predict(Tensor(shape: [1] + model.inputShape, values: values))
    }
}
