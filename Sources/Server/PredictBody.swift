import Foundation
import Hummingbird

/// What `POST /api/v1/deployments/{name}/predict` received, by its
/// Content-Type: CSV rows (text/csv, also curl's default form type and no
/// type at all) or one PNG image (image/png); anything else is 415.
enum PredictBody {
    case csv, png

    static let csvTypes: Set<String> = ["text/csv", "application/csv", "text/plain", "application/octet-stream",
                                        "application/x-www-form-urlencoded"]

    static func kind(contentType: String?) throws -> PredictBody {
        guard let contentType else { return .csv }
        let media = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        if media.isEmpty || csvTypes.contains(media) { return .csv }
        if media == "image/png" { return .png }
        if media.hasPrefix("image/") {
            throw HTTPError(.unsupportedMediaType, message: "Content-Type \(media): only PNG images are accepted (image/png)")
        }
        if media == "application/json" {
            throw HTTPError(.unsupportedMediaType, message: "Content-Type application/json: this route takes CSV rows (text/csv) "
                            + "or a PNG image (image/png); JSON tensors go to POST /v2/models/{name}/infer")
        }
        throw HTTPError(.unsupportedMediaType, message: "Content-Type \(media): send CSV rows (text/csv) or a PNG image (image/png)")
    }
}
