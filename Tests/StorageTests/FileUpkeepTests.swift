import Foundation
import GRDB
import Storage
import Testing

/// ``FileUpkeep``: a file that lost most of its rows shrinks, one that churns at a steady size is not
/// rewritten at every check, and no row is lost.
final class FileUpkeepTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-upkeep-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A WAL database with the upkeep table and a table of candidates, as an island's.
    func database() throws -> DatabasePool {
        let pool = try DatabasePool(path: directory.appendingPathComponent("\(UUID().uuidString).sqlite").path)
        try pool.write { db in
            try FileUpkeep.createTable(db)
            try db.execute(sql: "CREATE TABLE candidates (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        }
        return pool
    }

    /// `rounds` generations of 10 candidates of 1.4 to 1.9 kB; each deletes those older than 200
    /// but a seventh kept for 1,000 (a compaction's horizon and its lineages), then checks the
    /// file. Returns the vacuums that ran.
    func churn(_ pool: DatabasePool, rounds: Int, next: inout Int64, random: inout some RandomNumberGenerator) throws -> Int {
        var vacuums = 0
        for _ in 0..<rounds {
            try pool.write { db in
                for _ in 0..<10 {
                    next += 1
                    try db.execute(
                        sql: "INSERT INTO candidates (id, body) VALUES (?, ?)",
                        arguments: [next, String(repeating: "x", count: Int.random(in: 1_400...1_900, using: &random))])
                }
                try db.execute(sql: "DELETE FROM candidates WHERE id < ? AND (id % 7 != 0 OR id < ?)", arguments: [next - 200, next - 1_000])
            }
            if try FileUpkeep.vacuumIfGrown(pool) != nil { vacuums += 1 }
        }
        return vacuums
    }

    static func pages(_ pool: some DatabaseReader) throws -> Int { try pool.read { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 } }
    static func rows(_ pool: some DatabaseReader) throws -> Int { try pool.read { try Table("candidates").fetchCount($0) } }

    @Test func aFileThatLostMostOfItsRowsShrinksAndASteadyOneIsNotRewrittenAgainAndAgain() throws {
        var random = SystemRandomNumberGenerator()
        let pool = try database()
        // A long run without a horizon, then its first compaction: most rows go, the file would keep its size.
        try pool.write { db in
            for id in 1...3_000 {
                try db.execute(sql: "INSERT INTO candidates (id, body) VALUES (?, ?)", arguments: [id, String(repeating: "y", count: 1_500)])
            }
        }
        let full = try Self.pages(pool)
        try pool.write { try $0.execute(sql: "DELETE FROM candidates WHERE id <= 2700 AND id % 7 != 0") }
        let vacuum = try #require(try FileUpkeep.vacuumIfGrown(pool), "a file never vacuumed is vacuumed at its first check")
        #expect(vacuum.pagesBefore == full && vacuum.pagesAfter * 4 < full, "\(vacuum), \(full) pages full")
        #expect(vacuum.bytesAfter == vacuum.pagesAfter * vacuum.pageSize)
        #expect(try Self.rows(pool) == 300 + 2_700 / 7, "no row lost")
        // Then generations at a steady row count: the file stays within a tenth of its dense size
        // (SQLite reuses the pages compaction frees) and is not vacuumed at every check.
        var next: Int64 = 3_000
        var vacuums = try churn(pool, rounds: 150, next: &next, random: &random)
        var largest = 0
        for _ in 0..<300 {
            vacuums += try churn(pool, rounds: 1, next: &next, random: &random)
            largest = max(largest, try Self.pages(pool))
        }
        let dense = try #require(try pool.read { try Int.fetchOne($0, sql: "SELECT value FROM upkeep WHERE key = 'dense_pages'") })
        #expect(vacuums <= 3, "\(vacuums) vacuums in 450 generations")
        #expect(Double(largest) < Double(dense) * (1 + FileUpkeep.growth) + Double(FileUpkeep.minimumGrowthPages), "\(largest) pages, \(dense) dense")
    }

    @Test func aFileNeverVacuumedIsVacuumedAtItsFirstCheckThenOnlyOnceItHasGrown() throws {
        let pool = try database()
        try pool.write { db in
            for id in 1...200 {
                try db.execute(sql: "INSERT INTO candidates (id, body) VALUES (?, ?)", arguments: [id, String(repeating: "y", count: 3_000)])
            }
            try db.execute(sql: "DELETE FROM candidates WHERE id % 2 = 0")
        }
        let first = try #require(try FileUpkeep.vacuumIfGrown(pool))
        #expect(first.pagesAfter < first.pagesBefore && first.bytesAfter == first.pagesAfter * first.pageSize, "\(first)")
        #expect(try FileUpkeep.vacuumIfGrown(pool) == nil, "dense: nothing to do")
        // Restarted (a new connection to the same file): the dense size is read from the file.
        let reopened = try DatabasePool(path: pool.path)
        #expect(try FileUpkeep.vacuumIfGrown(reopened) == nil)
        #expect(try Self.rows(reopened) == 100)
    }

    @Test func aVacuumThatFailsIsReportedAndLosesNothing() throws {
        let pool = try database()
        try pool.write { db in
            for id in 1...100 {
                try db.execute(sql: "INSERT INTO candidates (id, body) VALUES (?, ?)", arguments: [id, String(repeating: "z", count: 3_000)])
            }
            try db.execute(sql: "DELETE FROM candidates WHERE id > 10")
        }
        // A file it may not write (as a full disk refuses the vacuum's second copy).
        var configuration = Configuration()
        configuration.readonly = true
        let readOnly = try DatabaseQueue(path: pool.path, configuration: configuration)
        guard case let .failed(error)? = FileUpkeep.upkeep(readOnly) else {
            Issue.record("a vacuum of a read-only file was not reported as failed")
            return
        }
        #expect(error.contains("readonly"), "\(error)")
        #expect(try Self.rows(pool) == 10)
        guard case .vacuumed? = FileUpkeep.upkeep(pool) else {
            Issue.record("the writable file was not vacuumed")
            return
        }
    }
}
