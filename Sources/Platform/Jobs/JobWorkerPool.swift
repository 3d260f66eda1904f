import Foundation
import Logging

/// What job executions share.
struct JobServices: Sendable {
    let store: MetadataStore
    let artifacts: any ArtifactStore
    let hub: JobEventHub
    let leaseSeconds: Double
    let orchardVersion: String
}

/// In-process workers: each leases a job from the database, runs it, and
/// repeats; idle workers wait for a new job or a poll interval (which also
/// picks up jobs whose lease expired because their worker died).
public final class JobWorkerPool: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var workers = 1
        public var leaseSeconds = 30.0
        public var pollInterval = 1.0
        public init() {}
    }

    let services: JobServices
    let configuration: Configuration
    let identity = "worker-\(ProcessInfo.processInfo.processIdentifier)-\(Identifiers.random(6))"
    let wake = WakeSignal()
    let logger = Logger(label: "orchard.jobs")
    private let lock = NSLock()
    private var running: [String: JobExecution] = [:]
    private var loops: [Task<Void, Never>] = []

    init(services: JobServices, configuration: Configuration) {
        self.services = services
        self.configuration = configuration
    }

    public func start() {
        lock.withLock {
            guard loops.isEmpty else { return }
            loops = (0..<max(configuration.workers, 0)).map { index in
                Task { await self.loop(owner: "\(self.identity)-\(index)") }
            }
        }
    }

    /// Stops leasing; running trainings are told to stop and left to end.
    public func stop() async {
        let tasks = lock.withLock { () -> [Task<Void, Never>] in
            let tasks = loops
            loops = []
            running.values.forEach { $0.cancellation.set(JobExecution.leaseLost) }
            return tasks
        }
        tasks.forEach { $0.cancel() }
        wake.signal()
        for task in tasks { await task.value }
    }

    /// Whether `start` ran and `stop` has not.
    public var isStarted: Bool { lock.withLock { !loops.isEmpty } }

    /// A job was queued: an idle worker should look now.
    public func notify() { wake.signal() }

    func loop(owner: String) async {
        while !Task.isCancelled {
            let job: Job?
            do { job = try await services.store.leaseJob(owner: owner, seconds: services.leaseSeconds) } catch {
                logger.error("leasing a job failed: \(error)")
                job = nil
            }
            guard let job else {
                await wake.wait(timeout: configuration.pollInterval)
                continue
            }
            let execution = JobExecution(job: job, owner: owner, services: services)
            lock.withLock { running[job.id] = execution }
            await execution.run()
            lock.withLock { _ = running.removeValue(forKey: job.id) }
        }
    }

    /// Asks a running job of this process to stop.
    func cancelRunning(jobID: String) {
        lock.withLock { running[jobID] }?.cancellation.set("cancelled")
    }
}
