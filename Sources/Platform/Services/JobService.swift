import Foundation
import NeuralNet

/// Training jobs as the API sees them: submit, list, show, events, logs, cancel.
public struct JobService: Sendable {
    let store: MetadataStore
    let hub: JobEventHub
    let workers: JobWorkerPool

    /// Validates the request against the stored datasets and queues the job.
    public func submit(_ body: JSONValue, by principal: Principal) async throws -> Job {
        let request = try JobRequest.parse(body)
        guard let dataset = try await store.dataset(tenantID: principal.tenantID, id: request.dataset) else {
            throw ServiceError.invalid(field: "dataset", message: "no dataset '\(request.dataset)'")
        }
        guard (request.estimator != nil && request.target.isEmpty) || dataset.schema.contains(where: { $0.name == request.target }) else {
            throw ServiceError.invalid(field: "target", message: "dataset '\(dataset.id)' has no column '\(request.target)'; "
                                       + "columns: \(dataset.schema.map(\.name).joined(separator: ", "))")
        }
        // Networks read numbers; estimators encode text columns with their recipe.
        if request.estimator == nil, let nonNumeric = dataset.schema.first(where: { $0.type == .string }) {
            throw ServiceError.invalid(field: "dataset", message: "column '\(nonNumeric.name)' is not numeric; training reads numeric CSV")
        }
        if let id = request.testDataset {
            guard let test = try await store.dataset(tenantID: principal.tenantID, id: id) else {
                throw ServiceError.invalid(field: "test_dataset", message: "no dataset '\(id)'")
            }
            guard test.schema.map(\.name) == dataset.schema.map(\.name) else {
                throw ServiceError.invalid(field: "test_dataset", message: "its columns differ from dataset '\(dataset.id)'")
            }
        }
        let job = Job(id: "job_" + Identifiers.random(12), tenantID: principal.tenantID, request: request)
        try await store.createJob(job, firstEvent: JobEvent(jobID: job.id, sequence: 1, type: "status", data: ["status": "queued"]))
        workers.notify()
        return job
    }

    public func get(id: String, by principal: Principal) async throws -> Job {
        guard let job = try await store.job(tenantID: principal.tenantID, id: id) else { throw ServiceError.notFound(kind: "job", id: id) }
        return job
    }

    public func list(by principal: Principal) async throws -> [Job] {
        try await store.jobs(tenantID: principal.tenantID)
    }

    /// Past events, then live ones until the job ends.
    public func events(id: String, by principal: Principal) async throws -> (past: [JobEvent], live: AsyncStream<JobEvent>) {
        let job = try await get(id: id, by: principal)
        return try await hub.subscribe(jobID: id, jobIsFinal: job.status.isFinal)
    }

    /// The job's log as text lines.
    public func logs(id: String, by principal: Principal) async throws -> String {
        _ = try await get(id: id, by: principal)
        let formatter = ISO8601DateFormatter()
        return try await hub.events(jobID: id).compactMap { event -> String? in
            let time = formatter.string(from: event.time)
            switch event.type {
            case "log": return "\(time) \(event.data["message"]?.string ?? "")"
            case "status": return "\(time) status \(event.data["status"]?.string ?? "")"
                + (event.data["error"]?.string.map { ": \($0)" } ?? "")
            case "epoch":
                let logs = (event.data.object ?? [:]).filter { $0.key != "epoch" && $0.key != "progress" }
                    .sorted { $0.key < $1.key }.compactMap { key, value in value.number.map { "\(key) \(String(format: "%.4f", $0))" } }
                return "\(time) epoch \(event.data["epoch"]?.int ?? 0): " + logs.joined(separator: ", ")
            default: return nil
            }
        }.joined(separator: "\n") + "\n"
    }

    /// Cancels a queued job at once; a running one stops after its current batch.
    public func cancel(id: String, by principal: Principal) async throws -> Job {
        _ = try await get(id: id, by: principal)
        let job = try await store.updateJob(id: id) { job in
            switch job.status {
            case .queued:
                job.status = .cancelled
                job.finishedAt = Date()
            case .running:
                job.cancelRequested = true
            case .succeeded, .failed, .cancelled:
                throw ServiceError.conflict("job '\(job.id)' already \(job.status.rawValue)")
            }
        }
        if job.status == .cancelled {
            try? await hub.prepare(jobID: id)  // numbered after the events already stored
            hub.publish(jobID: id, type: "status", data: ["status": "cancelled", "final": true], final: true)
        } else {
            workers.cancelRunning(jobID: id)
        }
        return job
    }
}
