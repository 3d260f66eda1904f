import Foundation
import Platform

/// TF Serving's `:predict` for a deployed classical estimator. Rows as
/// `instances` (objects keyed by column, or lists in the model's column
/// order) answer `predictions` (a label per row, or {"label",
/// "probabilities"} objects when the model has probabilities); columnar
/// `inputs` ({"column": [values]}) answer `outputs` in the same columnar form.
enum TabularTFServing {
    static func predict(_ object: [String: JSON], model: LoadedModel) throws -> JSON {
        let columns = (model.tabularInputs ?? []).map(\.name)
        var cells: [String: [String?]] = [:]
        let rows: Int
        let columnar: Bool
        if let instances = object["instances"] {
            guard let list = instances.array, !list.isEmpty else {
                throw ServiceError.invalid(field: "instances", message: "expected a non-empty list of rows")
            }
            for (index, row) in list.enumerated() {
                if let fields = row.object {
                    if let unknown = fields.keys.sorted().first(where: { !columns.contains($0) && $0 != model.preprocessing.target }) {
                        throw ServiceError.invalid(field: "instances[\(index)].\(unknown)",
                                                   message: "unknown column; the model takes \(columns.joined(separator: ", "))")
                    }
                    for name in columns { cells[name, default: []].append(fields[name].flatMap(LoadedModel.cell)) }
                } else if let values = row.array, values.count == columns.count {
                    for (name, value) in zip(columns, values) { cells[name, default: []].append(LoadedModel.cell(value)) }
                } else {
                    throw ServiceError.invalid(field: "instances[\(index)]",
                                               message: "expected an object keyed by column or a list of \(columns.count) values "
                                               + "(\(columns.joined(separator: ", ")))")
                }
            }
            rows = list.count
            columnar = false
        } else if let inputs = object["inputs"] {
            guard let fields = inputs.object, !fields.isEmpty else {
                throw ServiceError.invalid(field: "inputs", message: "expected an object of column → list of values")
            }
            var count: Int?
            for name in fields.keys.sorted() {
                guard let values = fields[name]?.array else {
                    throw ServiceError.invalid(field: "inputs.\(name)", message: "expected a list of values")
                }
                if let count, count != values.count {
                    throw ServiceError.invalid(field: "inputs.\(name)", message: "\(values.count) values; other columns have \(count)")
                }
                count = values.count
                cells[name] = values.map(LoadedModel.cell)
            }
            rows = count ?? 0
            columnar = true
        } else {
            throw ServiceError.invalid(field: "instances", message: "required: 'instances' (rows) or 'inputs' (columnar)")
        }
        guard rows > 0 else { throw ServiceError.invalid(field: columnar ? "inputs" : "instances", message: "no rows") }
        let predictions = try model.predict(cells: cells, rows: rows, field: columnar ? "inputs" : "instances")
        let extra: (name: String, rows: [[Double]])? = predictions.probabilities.map { ("probabilities", $0) }
            ?? predictions.components.map { ("components", $0) }
        if columnar {
            var outputs: [String: JSON] = ["label": .array(predictions.labels)]
            if let extra { outputs[extra.name] = .array(extra.rows.map { .array($0.map(JSON.number)) }) }
            return ["outputs": .object(outputs)]
        }
        guard let extra else { return ["predictions": .array(predictions.labels)] }
        return ["predictions": .array(zip(predictions.labels, extra.rows).map { label, values in
            JSON.object(["label": label, extra.name: .array(values.map(JSON.number))])
        })]
    }
}
