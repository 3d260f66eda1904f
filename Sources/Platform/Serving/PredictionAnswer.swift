import Foundation
import NeuralNet

/// The answer of `POST /api/v1/deployments/{name}/predict`, whatever the
/// input (CSV rows or an image): the model's outputs per row and, for
/// multi-output models, the arg-max class per row.
enum PredictionAnswer {
    static func json(model: LoadedModel, outputs: [Float], rows: Int) -> JSON {
        let width = model.outputSize
        var result: [String: JSON] = [
            "model": .string(model.name), "version": .number(Double(model.version)),
            "predictions": .array((0..<rows).map { row in
                .array(outputs[(row * width)..<((row + 1) * width)].map { .number(Double($0)) })
            }),
        ]
        if width > 1 {
            result["classes"] = .array((0..<rows).map { row in
                let slice = outputs[(row * width)..<((row + 1) * width)]
                return .number(Double(slice.indices.max { slice[$0] < slice[$1] }! - row * width))
            })
        }
        return .object(result)
    }
}
