import Foundation
import NeuralNet
import Platform
import Testing

/// The hub keeps a bounded window per job, persists everything, and a late
/// subscriber replays the store, then the window, then live events, with
/// no gap and no repeat, on both backends.
@Suite struct JobEventHubTests {
    /// Reads a subscription like the SSE writer does: past first, then live
    /// ones not yet seen, until the stream ends.
    static func collect(_ subscription: (past: [JobEvent], live: AsyncStream<JobEvent>), seen: Int = 0) async -> [Int] {
        var last = seen
        var sequences: [Int] = []
        for event in subscription.past where event.sequence > last {
            sequences.append(event.sequence)
            last = event.sequence
        }
        for await event in subscription.live where event.sequence > last {
            sequences.append(event.sequence)
            last = event.sequence
        }
        return sequences
    }

    @Test(arguments: StoreBackend.allCases)
    func lateSubscribersReplayThenFollowWithBoundedMemory(backend: StoreBackend) async throws {
        let store = try await backend.make()
        let hub = JobEventHub(store: store, memoryEvents: 8)
        for step in 1...100 { hub.publish(jobID: "job_1", type: "progress", data: ["step": .number(Double(step))]) }
        await hub.flush()
        #expect(hub.eventsInMemory(jobID: "job_1") == 8, "the window holds only the newest persisted events")
        #expect(try await store.events(jobID: "job_1").count == 100)

        // Late: 100 past events (92 from the store, 8 from memory), then live ones, like tail -f.
        let subscription = try await hub.subscribe(jobID: "job_1", jobIsFinal: false)
        #expect(subscription.past.map(\.sequence) == Array(1...100))
        let reader = Task { await Self.collect(subscription) }
        for step in 101...150 { hub.publish(jobID: "job_1", type: "progress", data: ["step": .number(Double(step))]) }
        hub.publish(jobID: "job_1", type: "status", data: ["status": "succeeded", "final": true], final: true)
        #expect(await reader.value == Array(1...151))

        // Once the final event is stored the job leaves memory; replay comes from the store alone.
        await hub.flush()
        #expect(hub.jobsInMemory == 0)
        let replay = try await hub.subscribe(jobID: "job_1", jobIsFinal: true)
        #expect(await Self.collect(replay) == Array(1...151))
        #expect(try await hub.events(jobID: "job_1").last?.type == "status")
        try await store.storage.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func subscribersJoiningWhileEventsFlowMissNothing(backend: StoreBackend) async throws {
        let store = try await backend.make()
        let hub = JobEventHub(store: store, memoryEvents: 2)
        let total = 400
        // A producer on a thread of its own (like training) while subscribers join at random moments.
        let producer = Thread {
            for step in 1..<total {
                hub.publish(jobID: "job_2", type: "progress", data: ["step": .number(Double(step))])
                if step % 50 == 0 { usleep(2000) }
            }
            hub.publish(jobID: "job_2", type: "status", data: ["status": "succeeded", "final": true], final: true)
        }
        producer.start()
        let readers = try await withThrowingTaskGroup(of: [Int].self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(index) * 3_000_000)
                    return await Self.collect(try await hub.subscribe(jobID: "job_2", jobIsFinal: false))
                }
            }
            var all: [[Int]] = []
            for try await sequences in group { all.append(sequences) }
            return all
        }
        for sequences in readers { #expect(sequences == Array(1...total)) }
        await hub.flush()
        #expect(hub.jobsInMemory == 0)
        try await store.storage.close()
    }

    @Test func resumedJobsContinueTheirNumbering() async throws {
        let store = MetadataStore(storage: MemoryDocumentStorage())
        let first = JobEventHub(store: store)
        for _ in 1...5 { first.publish(jobID: "job_3", type: "log", data: ["message": "x"]) }
        await first.flush()
        // Another process (a restart): numbering continues after the stored events.
        let second = JobEventHub(store: store)
        try await second.prepare(jobID: "job_3")
        #expect(second.publish(jobID: "job_3", type: "status", data: ["status": "running"]).sequence == 6)
        await second.flush()
        #expect(try await store.events(jobID: "job_3").map(\.sequence) == Array(1...6))
    }
}
