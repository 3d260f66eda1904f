import ArgumentParser
import Foundation
import ClassicML
import NeuralNet

/// `orchard train … --server URL`: the same flags as local training,
/// submitted as a job (`POST /api/v1/jobs`) and followed live.
extension Train {
    func trainOnServer() async throws {
        guard classic.estimator != nil || (classic.parameters.isEmpty && classic.scale == nil && classic.impute == nil
                                           && classic.encode == nil) else {
            throw ValidationError("--param, --scale, --impute and --encode configure an estimator: add --estimator NAME")
        }
        guard labels == nil else {
            throw ValidationError("--labels (IDX images) trains locally; with --server upload a CSV with a label column")
        }
        guard outDirectory == nil else {
            throw ValidationError("--out saves a local model; with --server the model is registered (see --register-as)")
        }
        let body: [String: JSONValue]
        if let estimator = classic.estimator {
            body = try estimatorJobBody(estimator)
        } else {
            guard let model, let target else { throw ValidationError("give --model (the network) and --target (the label column)") }
            body = try jobBody(modelPath: model, target: target)
        }
        try await client.withClient { client in
            var request = body
            request["dataset"] = .string(try await Train.dataset(data, client: client))
            if let test = classic.test { request["test_dataset"] = .string(try await Train.dataset(test, client: client)) }
            let submitted = try await client.submitJob(.object(request))
            guard let id = submitted["id"]?.string else { throw ServiceClientError.unexpected("the job answer has no id") }
            Train.note("Submitted job \(id): training \(request["register_as"]?.string ?? "") on dataset "
                       + "\(request["dataset"]?.string ?? "") (Ctrl-C detaches; the job keeps running)")
            DetachOnInterrupt.install(jobID: id)
            let output: FileHandle = json ? .standardError : .standardOutput
            let bar = json ? ProgressBar(output: .standardError, interactive: false) : ProgressBar()
            let job = try await JobFollower(client: client, jobID: id, bar: bar, output: output, batchSize: batchSize).follow()
            if json { printJSONLine(job) } else { Jobs.printOutcome(job) }
            if job["status"]?.string != "succeeded" { throw ExitCode.failure }
        }
    }

    /// The job request without its datasets: model, target, preprocessing, training settings, registry name.
    func jobBody(modelPath: String, target: String) throws -> [String: JSONValue] {
        guard let contents = FileManager.default.contents(atPath: modelPath) else {
            throw ValidationError("\(modelPath): cannot read the model file")
        }
        guard let modelJSON = try? JSONValue.parse(contents), modelJSON.object != nil else {
            throw ValidationError("\(modelPath): not a JSON object (expected Keras model.to_json() output or an Orchard spec)")
        }
        var training: [String: JSONValue] = [
            "epochs": .number(Double(epochs)), "batch_size": .number(Double(batchSize)), "optimizer": .string(optimizer),
            "loss": .string(loss), "metrics": .array(metrics.flatMap { $0.split(separator: ",").map { .string(String($0)) } }),
            "validation_split": .number(validationSplit), "seed": .number(Double(seed)),
        ]
        if let learningRate { training["learning_rate"] = .number(Double(learningRate)) }
        var body: [String: JSONValue] = [
            "target": .string(target), "model": modelJSON, "training": .object(training),
            "register_as": .string(registerAs ?? Train.modelName(fromPath: modelPath)),
        ]
        if let rescale { body["preprocessing"] = ["rescale": .number(Double(rescale))] }
        return body
    }

    /// The job request of a classical estimator: name, scikit-learn parameters, recipe options, seed.
    func estimatorJobBody(_ name: String) throws -> [String: JSONValue] {
        var parameters: [String: JSONValue] = [:]
        for pair in classic.parameters {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--param \(pair): expected key=value, e.g. --param max_depth=5")
            }
            switch ParameterValue(text: String(pair[pair.index(after: equals)...])) {
            case .number(let value): parameters[String(pair[..<equals])] = .number(value)
            case .string(let value): parameters[String(pair[..<equals])] = .string(value)
            case .bool(let value): parameters[String(pair[..<equals])] = .bool(value)
            case .none: parameters[String(pair[..<equals])] = .null
            }
        }
        var preprocessing: [String: JSONValue] = [:]
        if let scale = classic.scale { preprocessing["scale"] = .string(scale) }
        if let impute = classic.impute { preprocessing["impute"] = .string(impute) }
        if let encode = classic.encode { preprocessing["encode"] = .string(encode) }
        var body: [String: JSONValue] = [
            "estimator": ["name": .string(name), "params": .object(parameters)], "training": ["seed": .number(Double(seed))],
            "preprocessing": .object(preprocessing), "register_as": .string(registerAs ?? name),
        ]
        if let target { body["target"] = .string(target) }
        return body
    }

    /// A dataset id, or a local file uploaded now (its id then).
    static func dataset(_ reference: String, client: ServiceClient) async throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return reference
        }
        let url = URL(fileURLWithPath: reference)
        let dataset = try await client.uploadDataset(file: url, name: url.lastPathComponent, format: Datasets.format(of: url))
        guard let id = dataset["id"]?.string else { throw ServiceClientError.unexpected("the upload answer has no id") }
        note("Uploaded \(reference) as dataset \(id) (\(TableOutput.cell(dataset["rows"])) rows, "
             + "\(dataset["schema"]?.array?.count ?? 0) columns)")
        return id
    }

    /// "bench/seed-cnn/seed_cnn.json" → "seed_cnn" (characters a model name may hold).
    static func modelName(fromPath path: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let cleaned = String(stem.unicodeScalars.map { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar)) ? Character(scalar) : "-"
        })
        return cleaned.isEmpty ? "model" : String(cleaned.prefix(128))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
