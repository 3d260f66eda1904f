import Foundation
import SQLKit

/// The job queue in SQL: one `UPDATE … WHERE key = (SELECT … LIMIT 1)
/// RETURNING` claims a job. SQLite runs a statement under the database's
/// write lock, so the choice and the claim cannot interleave with another
/// connection's; PostgreSQL would add `FOR UPDATE SKIP LOCKED` to the
/// subquery. Waiting jobs are found through the `documents_job_queue` index
/// (migration 2, named with INDEXED BY so the planner cannot prefer a scan
/// of every job), so finished jobs cost nothing. The collection name is a
/// literal so that the partial index applies.
extension SQLDocumentStorage: JobQueueStorage {
    public func claimJob(owner: String, now: Double, until: Double) async throws -> Data? {
        try await mutex.withLock {
            try checkOpen()
            return try await database.raw("""
                UPDATE documents SET body = json_set(body,
                    '$.status', 'running', '$.leaseOwner', \(bind: owner), '$.leaseExpiresAt', \(bind: until),
                    '$.attempts', COALESCE(json_extract(body, '$.attempts'), 0) + 1,
                    '$.startedAt', COALESCE(json_extract(body, '$.startedAt'), \(bind: now)))
                WHERE collection = 'jobs' AND key = (
                    SELECT key FROM documents INDEXED BY documents_job_queue
                    WHERE collection = 'jobs' AND json_extract(body, '$.status') IN ('queued', 'running')
                      AND json_extract(body, '$.cancelRequested') = 0
                      AND (json_extract(body, '$.status') = 'queued'
                           OR COALESCE(json_extract(body, '$.leaseExpiresAt'), 0) < \(bind: now))
                    ORDER BY sequence LIMIT 1)
                RETURNING body
                """).first().map { Data(try $0.decode(column: "body", as: String.self).utf8) }
        }
    }

    public func cancelOrphanedJobs(now: Double) async throws -> Int {
        try await mutex.withLock {
            try checkOpen()
            return try await database.raw("""
                UPDATE documents INDEXED BY documents_job_queue
                SET body = json_set(body, '$.status', 'cancelled', '$.finishedAt', \(bind: now), '$.leaseOwner', NULL)
                WHERE collection = 'jobs' AND json_extract(body, '$.status') IN ('running')
                  AND json_extract(body, '$.cancelRequested') = 1
                  AND COALESCE(json_extract(body, '$.leaseExpiresAt'), 0) < \(bind: now)
                RETURNING key
                """).all().count
        }
    }

    /// How SQLite runs the claim's job lookup (a test checks it uses the index).
    func claimQueryPlan() async throws -> [String] {
        try await mutex.withLock {
            try checkOpen()
            return try await database.raw("""
                EXPLAIN QUERY PLAN SELECT key FROM documents INDEXED BY documents_job_queue
                WHERE collection = 'jobs' AND json_extract(body, '$.status') IN ('queued', 'running')
                  AND json_extract(body, '$.cancelRequested') = 0
                  AND (json_extract(body, '$.status') = 'queued' OR COALESCE(json_extract(body, '$.leaseExpiresAt'), 0) < 0)
                ORDER BY sequence LIMIT 1
                """).all().map { try $0.decode(column: "detail", as: String.self) }
        }
    }
}
