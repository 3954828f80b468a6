import ConfigFiles
import Control
import Foundation
import GRDB
import LossDescriptors
import Model
import Search
import Storage

/// An island's state in one SQLite database (WAL): population, archive, counters, metadata. Every
/// state change is one transaction, so `kill -9` loses nothing that was acknowledged.
public final class IslandStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String) throws {
        self.path = path
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        // WAL with synchronous=NORMAL: a committed transaction survives the death of the process
        // (kill -9); only a power failure can lose the last few. Every commit is not an fsync.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        if path != ":memory:" { try PrivateFiles.createIfAbsent(path) }  // mode 0600, and so its WAL
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE candidates (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        generation INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        source TEXT NOT NULL,
                        canonical TEXT,
                        fingerprint TEXT,
                        parents TEXT NOT NULL,
                        proposer TEXT NOT NULL,
                        status TEXT NOT NULL,
                        error TEXT,
                        duplicate_of INTEGER REFERENCES candidates(id),
                        fitness REAL, stage INTEGER, metrics TEXT,
                        convexity REAL, grad0 REAL, beta_sensitivity REAL,
                        outcome TEXT,
                        created_at REAL NOT NULL,
                        evaluated_at REAL);
                    -- One live candidate per fingerprint: duplicates point at it.
                    CREATE UNIQUE INDEX candidates_fingerprint ON candidates(fingerprint)
                        WHERE status IN ('pending', 'failed', 'evaluated');
                    CREATE INDEX candidates_status ON candidates(status);
                    CREATE TABLE archive (cell INTEGER PRIMARY KEY, candidate INTEGER NOT NULL REFERENCES candidates(id),
                                          fitness REAL NOT NULL);
                    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    CREATE TABLE curiosity (cell INTEGER PRIMARY KEY, proposed INTEGER NOT NULL, added INTEGER NOT NULL);
                    """)
        }
        registerMigrationTables(&migrator)
        registerConversationTables(&migrator)
        registerConfirmationColumns(&migrator)
        registerHistoryTable(&migrator)
        registerAuditColumn(&migrator)
        registerEmitterColumns(&migrator)
        migrator.registerMigration("upkeep") { db in try FileUpkeep.createTable(db) }
        return migrator
    }

    // MARK: metadata and counters

    public func meta(_ key: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setMeta(_ key: String, _ value: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    static func bump(_ db: Database, _ counter: IslandCounter, by amount: Int = 1) throws {
        try db.execute(
            sql: "INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            arguments: [counter.name, amount])
    }

    public func counters() throws -> IslandCounters { try pool.read { db in try Self.counters(db) } }

    static func counters(_ db: Database) throws -> IslandCounters {
        IslandCounters(
            byName: Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, value FROM counters").map { ($0["name"] as String, $0["value"] as Int) }))
    }

    /// The generation counter (0 before the first generation completes).
    public func generation() throws -> Int { try pool.read { db in try Self.generation(db) } }

    static func generation(_ db: Database) throws -> Int {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'").flatMap { Int($0) } ?? 0
    }

    /// Completes a generation with its point of the island's history: one transaction.
    public func finishGeneration(_ generation: Int, history point: HistoryPoint? = nil) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES ('generation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [String(generation)])
            if let point { try Self.insertHistory(db, point) }
        }
    }

    // MARK: candidates

    /// Records a proposal (invalid, duplicate or pending) in one transaction; returns its id.
    ///
    /// A valid candidate whose fingerprint is already live becomes a duplicate of that one, decided
    /// inside the transaction, so two concurrent proposals of the same loss cannot both be pending.
    public func record(_ candidate: CandidateRecord) throws -> CandidateRecord {
        try pool.write { db in try Self.insertProposal(db, candidate) }
    }

    /// The insert of ``record(_:)``, inside a caller's transaction. Repeats are counted, not stored:
    /// an exact repeat of a live candidate adds one to that candidate's `repeats`, a near-repeat
    /// (status `duplicate` with a note, from the novelty check) only to the counters; both are
    /// returned with status `duplicate` and no id. Each is charged to its emitter.
    static func insertProposal(_ db: Database, _ candidate: CandidateRecord) throws -> CandidateRecord {
        var row = candidate
        if row.status == .duplicate {
            try bump(db, .nearDuplicates)
            if let emitter = row.emitter { try bump(db, .emitter(emitter, .nearDuplicates)) }
            return row
        }
        if row.status == .pending, let fingerprint = row.fingerprint,
            let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM candidates WHERE fingerprint = ? AND status IN ('pending', 'failed', 'evaluated')",
                arguments: [fingerprint])
        {
            (row.status, row.duplicateOf) = (.duplicate, existing)
            try db.execute(sql: "UPDATE candidates SET repeats = repeats + 1 WHERE id = ?", arguments: [existing])
            try bump(db, .proposals(.duplicate))
            if let emitter = row.emitter { try bump(db, .emitter(emitter, .duplicates)) }
            return row
        }
        try row.insert(db)
        try bump(db, .proposals(row.status))
        return row
    }

    /// Whether a candidate with this fingerprint is pending or was trained (what makes a proposal a duplicate).
    public func hasFingerprint(_ fingerprint: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM candidates WHERE fingerprint = ? AND status IN ('pending', 'failed', 'evaluated'))",
                arguments: [fingerprint]) ?? false
        }
    }

    public func candidate(_ id: Int64) throws -> CandidateRecord? {
        try pool.read { db in try CandidateRecord.fetchOne(db, key: id) }
    }

    public func candidates(status: CandidateStatus) throws -> [CandidateRecord] {
        try pool.read { db in
            try CandidateRecord.fetchAll(db, sql: "SELECT * FROM candidates WHERE status = ? ORDER BY id", arguments: [status.rawValue])
        }
    }

    public func candidateCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidates") ?? 0 }
    }

    /// The valid seed losses' ids (the independent-sampling arm's only parents).
    public func seedCandidates() throws -> [Int64] {
        try pool.read { db in
            try Int64.fetchAll(
                db, sql: "SELECT id FROM candidates WHERE proposer = ? AND canonical IS NOT NULL AND status != ? ORDER BY id",
                arguments: [ProposalOrigin.seed, CandidateStatus.duplicate])
        }
    }

    /// The id of the live candidate with this fingerprint, if any.
    public func liveCandidate(fingerprint: String) throws -> Int64? {
        try pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT id FROM candidates WHERE fingerprint = ? AND status IN ('pending', 'failed', 'evaluated')",
                arguments: [fingerprint])
        }
    }
}
