import Foundation

/// A backend that claims a job from the queue in one statement instead of
/// scanning the jobs collection: the oldest job that is queued, or running
/// with an expired lease (its worker died), and not asked to cancel. The
/// claim is atomic, so two workers, in this process or another one sharing
/// the database, never hold the same job.
public protocol JobQueueStorage: DocumentStorage {
    /// Marks the claimed job running for `owner` until `until` (epoch
    /// seconds), counts the attempt, sets its start time if unset, and
    /// returns the updated job document; nil when none is waiting.
    func claimJob(owner: String, now: Double, until: Double) async throws -> Data?
    /// Ends jobs whose worker died after cancellation was asked for
    /// (running, cancel requested, lease expired): they become cancelled,
    /// not rerun. Returns how many.
    func cancelOrphanedJobs(now: Double) async throws -> Int
}
