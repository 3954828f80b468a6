import GRDB
import Logging

/// Keeps a database file near the size of what it holds: `VACUUM` once the file has grown.
///
/// SQLite reuses the pages that deleted rows free but never gives them back: after an island's first
/// compaction of a long run (`keep_generations` set on an island that ran without it) or a farm's
/// cache given a lower `cache_limit`, the file keeps its largest size. After a bound has deleted
/// rows, a store calls ``vacuumIfGrown(_:)``, which rewrites the file densely once it is `growth`
/// larger than when it was last dense. That size is kept in the file (table `upkeep`), so that a
/// process restarted every few seconds still vacuums when due, and one running at a steady size is
/// not rewritten at every check; a file never vacuumed is vacuumed at its first check.
public enum FileUpkeep {
    /// How much larger than its last dense size a file grows before it is vacuumed.
    public static let growth = 0.1
    /// The fewest pages a file grows by before it is vacuumed (small files are not rewritten for a few kB).
    public static let minimumGrowthPages = 16

    /// What a vacuum did, in pages of `pageSize` bytes.
    public struct Vacuum: Sendable, Hashable {
        public var pagesBefore: Int
        public var pagesAfter: Int
        public var pageSize: Int

        public var bytesBefore: Int { pagesBefore * pageSize }
        public var bytesAfter: Int { pagesAfter * pageSize }
    }

    /// What a check did: a vacuum, or one that failed (a full disk: it needs room for a second copy).
    /// A failed vacuum loses nothing, the file only stays larger than it needs; the caller logs it.
    public enum Outcome: Sendable, Hashable {
        case vacuumed(Vacuum)
        case failed(String)
    }

    /// ``vacuumIfGrown(_:)`` that reports a failure instead of throwing it: nil when none was due.
    public static func upkeep(_ writer: some DatabaseWriter) -> Outcome? {
        do { return try vacuumIfGrown(writer).map(Outcome.vacuumed) } catch { return .failed("\(error)") }
    }

    /// The migration step each store registers: the table that keeps the file's dense size.
    public static func createTable(_ db: Database) throws {
        try db.create(table: "upkeep") { table in
            table.primaryKey("key", .text)
            table.column("value", .integer).notNull()
        }
    }

    /// Vacuums `writer`'s file if it grew past its threshold since it was last dense (or was never
    /// vacuumed), and records its new dense size. Returns what the vacuum did, or nil when none was due.
    @discardableResult
    public static func vacuumIfGrown(_ writer: some DatabaseWriter) throws -> Vacuum? {
        let (pages, dense, pageSize) = try writer.read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
                try Int.fetchOne(db, sql: "SELECT value FROM upkeep WHERE key = 'dense_pages'"),
                try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096
            )
        }
        if let dense, pages < dense + minimumGrowthPages || Double(pages) < Double(dense) * (1 + growth) { return nil }
        try writer.vacuum()
        let after = try writer.write { db in
            let after = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "INSERT OR REPLACE INTO upkeep (key, value) VALUES ('dense_pages', ?)", arguments: [after])
            return after
        }
        return Vacuum(pagesBefore: pages, pagesAfter: after, pageSize: pageSize)
    }
}

extension FileUpkeep.Outcome {
    /// Logs what the check did to `file` (what the log calls the database): a vacuum at info with
    /// the sizes, a failure as a warning.
    public func log(to logger: Logger, file: String) {
        switch self {
        case let .vacuumed(vacuum):
            logger.info("\(file) vacuumed", metadata: ["kB before": "\(vacuum.bytesBefore / 1_024)", "kB after": "\(vacuum.bytesAfter / 1_024)"])
        case let .failed(error):
            logger.warning("the \(file) could not be vacuumed: it stays larger than it needs", metadata: ["error": "\(error)"])
        }
    }
}
