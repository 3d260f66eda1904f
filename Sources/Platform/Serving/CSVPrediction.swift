import DataPrep
import Foundation
import NeuralNet

/// `POST /api/v1/deployments/{name}/predict` with CSV rows of raw features
/// (a header row; the target column, if present, is ignored).
public enum CSVPrediction {
    public static func predict(csv: Data, model: LoadedModel) async throws -> JSON {
        if csv.starts(with: ImagePrediction.pngSignature) {
            throw ServiceError.invalid(field: "Content-Type", message: "the body is a PNG image; send it with Content-Type: image/png")
        }
        let table: TextTable
        do { table = try TextTable.parseCSV(csv, source: "body") } catch {
            throw ServiceError.invalid(field: "body", message: "\(error)")
        }
        if model.estimator != nil { return try predictTabular(table, model: model) }
        var columns = Array(table.columnNames.indices)
        if let target = model.preprocessing.target, let index = table.columnNames.firstIndex(of: target) {
            columns.removeAll { $0 == index }
        }
        guard columns.count == model.inputSize else {
            throw ServiceError.invalid(field: "body", message: "\(columns.count) feature columns; the model needs \(model.inputSize)")
        }
        guard !table.rows.isEmpty else { throw ServiceError.invalid(field: "body", message: "no data rows") }
        var values: [Float] = []
        values.reserveCapacity(table.rows.count * columns.count)
        for (rowIndex, row) in table.rows.enumerated() {
            for column in columns {
                guard let text = row[column], let value = Float(text) else {
                    throw ServiceError.invalid(field: table.columnNames[column],
                                               message: "row \(rowIndex + 1): expected a number, found '\(row[column] ?? "")'")
                }
                values.append(value)
            }
        }
        let outputs = try await model.predict(values, rows: table.rows.count, raw: true)
        return PredictionAnswer.json(model: model, outputs: outputs, rows: table.rows.count)
    }

    /// An estimator takes the raw cells, strings and blanks included; the
    /// answer carries labels, and probabilities when the model has them.
    static func predictTabular(_ table: TextTable, model: LoadedModel) throws -> JSON {
        guard !table.rows.isEmpty else { throw ServiceError.invalid(field: "body", message: "no data rows") }
        var cells: [String: [String?]] = [:]
        for (index, name) in table.columnNames.enumerated() {
            cells[name] = table.rows.map { row in row[index].flatMap { $0.isEmpty ? nil : $0 } }
        }
        let predictions = try model.predict(cells: cells, rows: table.rows.count, field: "body")
        var result: [String: JSON] = ["model": .string(model.name), "version": .number(Double(model.version)),
                                      "predictions": .array(predictions.labels)]
        if let probabilities = predictions.probabilities {
            result["classes"] = .array(predictions.classes.map(JSON.string))
            result["probabilities"] = .array(probabilities.map { .array($0.map(JSON.number)) })
        }
        if let components = predictions.components { result["components"] = .array(components.map { .array($0.map(JSON.number)) }) }
        return .object(result)
    }
}
