import Foundation
import Platform

/// A fresh, empty PostgreSQL database per test, on the server that
/// `scripts/postgres start` runs for the test command (its URL in
/// ORCHARD_TEST_POSTGRES_URL). Without that variable the PostgreSQL cases
/// are not generated (scripts/test always sets it).
enum PostgresTestDatabase {
    static var serverURL: String? {
        ProcessInfo.processInfo.environment["ORCHARD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Creates a database and returns its URL.
    static func fresh() async throws -> String {
        guard let serverURL else { throw ServiceError.unavailable("ORCHARD_TEST_POSTGRES_URL is not set: run the tests through scripts/test") }
        return try await PostgresDocumentStorage.createDatabase(named: "orchard_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
                                                                on: serverURL)
    }
}
