import ArgumentParser
import Foundation
import NeuralNet

/// `orchard predict NAME --data rows.csv|--image x.png --server URL`.
extension Predict {
    func predictOnServer() async throws {
        let body = try rows.map { try Predict.read($0) }
        let png = try image.map { try Predict.read($0) }
        let answer = try await client.withClient { client in
            if let png { return try await client.predict(deployment: directory, png: png) }
            return try await client.predict(deployment: directory, csv: body!)
        }
        if json { return printJSONLine(answer) }
        let predictions = (answer["predictions"]?.array ?? []).map { row in (row.array ?? []).map { Float($0.number ?? 0) } }
        let classes = answer["classes"]?.array?.map { $0.int ?? 0 } ?? predictions.map { $0.first ?? 0 > 0.5 ? 1 : 0 }
        Predict.printRows(predictions, classes: classes)
    }
}
