import Foundation
import NeuralNet

/// Follows a job's Server-Sent Events and draws them as local training
/// does (NeuralNet's Keras-style `ProgressBar`): `progress` events redraw
/// the bar, `epoch` events end an epoch's line, `log` and `status` events
/// print a line. A dropped stream is reopened from the last event seen
/// (`Last-Event-ID`), so a server restart mid-job is followed through.
final class JobFollower {
    let client: ServiceClient
    let jobID: String
    let bar: ProgressBar
    let output: FileHandle
    /// The job's batch size when known (for samples/s).
    let batchSize: Int?
    /// Print every status change (`jobs logs --follow`), not only failures and restarts.
    let verbose: Bool
    /// How long to keep reconnecting to an unreachable server.
    var reconnectWindow: TimeInterval = 120

    private var epochs = 0
    private var currentEpoch = 0
    private var steps = 1
    private var lineOpen = false
    private var lastSequence = 0
    private var lastEpochEnd: Date?

    init(client: ServiceClient, jobID: String, bar: ProgressBar, output: FileHandle, batchSize: Int?, verbose: Bool = false) {
        self.client = client
        self.jobID = jobID
        self.bar = bar
        self.output = output
        self.batchSize = batchSize
        self.verbose = verbose
    }

    /// Follows until the job's final status; returns the job object then.
    func follow() async throws -> JSONValue {
        epochs = try await client.job(jobID)["epochs"]?.int ?? 0
        var failingSince: Date?
        while true {
            var problem = "the event stream ended before the job did"
            do {
                let stream = try await client.jobEvents(jobID, after: lastSequence)
                for try await event in stream {
                    failingSince = nil
                    if let id = event.id { lastSequence = max(lastSequence, id) }
                    if try handle(event) { return try await client.job(jobID) }
                }
            } catch let error as ServiceClientError {
                if case .server = error { throw error }
                problem = error.description
            } catch {
                problem = "\(error)"
            }
            // The server went away mid-job (or the connection broke): reattach.
            let since = failingSince ?? Date()
            failingSince = since
            if Date().timeIntervalSince(since) > reconnectWindow {
                throw ServiceClientError.unreachable(server: client.connection.server,
                                                     reason: "lost job \(jobID)'s events (\(problem)); "
                                                         + "reattach with `orchard jobs logs \(jobID) --follow`")
            }
            try await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }

    /// Draws one event; true after the final status.
    func handle(_ event: ServerSentEvent) throws -> Bool {
        fflush(stdout)  // what print() buffered goes before the bar's direct writes
        guard let data = try? JSONValue.parse(Data(event.data.utf8)) else {
            throw ServiceClientError.unexpected("event \(event.id ?? 0) is not JSON")
        }
        let now = Date()
        switch event.event {
        case "progress" where data["stage"]?.string == "fit":
            break  // an estimator's fit: no epochs or steps to draw; its log lines say what happens
        case "progress":
            let epoch = data["epoch"]?.int ?? currentEpoch
            steps = max(1, data["steps"]?.int ?? steps)
            if epoch != currentEpoch { begin(epoch, at: lastEpochEnd ?? now) }
            bar.drawStep(data["step"]?.int ?? 0, of: steps, logs: JobFollower.logs(data), batchSize: batchSize, samples: nil, at: now)
            lineOpen = bar.interactive
        case "epoch":
            let epoch = data["epoch"]?.int ?? currentEpoch
            if epoch != currentEpoch { begin(epoch, at: now) }
            bar.finishEpoch(steps: steps, logs: JobFollower.logs(data), batchSize: batchSize, samples: nil,
                            seconds: data["seconds"]?.number)
            lineOpen = false
            lastEpochEnd = now
        case "log":
            say(data["message"]?.string ?? "")
        case "status":
            let status = data["status"]?.string ?? "?"
            if data["final"]?.bool == true {
                if verbose || status != "succeeded" {
                    say("status: \(status)" + (data["error"]?.string.map { ": \($0)" } ?? ""))
                }
                return true
            }
            let attempt = data["attempt"]?.int ?? 1
            if verbose || attempt > 1 { say("status: \(status)" + (attempt > 1 ? " (attempt \(attempt))" : "")) }
        default:
            break
        }
        return false
    }

    private func begin(_ epoch: Int, at time: Date) {
        if lineOpen { bar.interrupt() }
        currentEpoch = epoch
        bar.beginEpoch(epoch, of: max(epochs, epoch), at: time)
        lineOpen = false
    }

    private func say(_ line: String) {
        if lineOpen {
            bar.interrupt()
            lineOpen = false
        }
        output.write(Data((line + "\n").utf8))
    }

    /// The metric values of an event (without its bookkeeping fields).
    static func logs(_ data: JSONValue) -> [String: Double] {
        let bookkeeping: Set<String> = ["epoch", "step", "steps", "progress", "seconds", "time"]
        var logs: [String: Double] = [:]
        for (key, value) in data.object ?? [:] where !bookkeeping.contains(key) {
            if let number = value.number { logs[key] = number }
        }
        return logs
    }
}
