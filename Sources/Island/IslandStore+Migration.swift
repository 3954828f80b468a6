import Control
import Foundation
import GRDB
import Search

extension IslandStore {
    /// One line of the migration log: a candidate sent to, or received from, another island.
    public struct MigrationEntry: Sendable, Hashable {
        public var direction: MigrationFlow.Direction
        public var peer: Int
        public var sequence: Int
        public var fingerprint: String
        public var outcome: String
        public var at: Double
    }

    static func registerMigrationTables(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-migration") { db in
            try db.execute(
                sql: """
                    CREATE TABLE migrations (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        direction TEXT NOT NULL,      -- sent | received
                        peer INTEGER NOT NULL,        -- the other island
                        sequence INTEGER NOT NULL,    -- the sender's message number
                        fingerprint TEXT NOT NULL,
                        candidate INTEGER,            -- the local candidate (sent, or accepted)
                        outcome TEXT NOT NULL,        -- sent | moved | new | improved | replaced | rejected: <reason>
                        at REAL NOT NULL);
                    """)
        }
    }

    /// Takes the next outgoing message number (one transaction).
    public func nextMigrationSequence() throws -> Int {
        try pool.write { db in
            let next = (Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'migration.sequence'") ?? "0") ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES ('migration.sequence', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [String(next)])
            return next
        }
    }

    /// Records a migration sent to `peers`; with `moved`, the emigrants' cells are emptied.
    public func recordEmigration(_ emigrants: [(candidate: Int64, fingerprint: String, cell: Int)], peers: [Int], sequence: Int, moved: Bool) throws {
        let now = Date().timeIntervalSince1970
        try pool.write { db in
            for peer in peers {
                for emigrant in emigrants {
                    try db.execute(
                        sql: "INSERT INTO migrations (direction, peer, sequence, fingerprint, candidate, outcome, at) VALUES ('sent', ?, ?, ?, ?, ?, ?)",
                        arguments: [peer, sequence, emigrant.fingerprint, emigrant.candidate, moved ? "moved" : "sent", now])
                }
            }
            if moved {
                for emigrant in emigrants { try db.execute(sql: "DELETE FROM archive WHERE cell = ? AND candidate = ?", arguments: [emigrant.cell, emigrant.candidate]) }
            }
            try Self.bump(db, .migrantsSent, by: emigrants.count * peers.count)
        }
    }

    /// What became of one migrant of a received message.
    public enum ImmigrationEntry: Sendable {
        /// Its candidate row (evaluated, proposer `migrant:<island>`) and archive cell.
        case accepted(CandidateRecord, cell: Int)
        case rejected(fingerprint: String, reason: String)
    }

    /// The rejection lines the migration log keeps (the newest): a peer that sends migrants the
    /// island rejects, over and over, cannot grow the database without limit. The counters keep
    /// the totals.
    public static let rejectionLogLimit = 10_000

    /// Records a received migrant message in one transaction: accepted immigrants' candidate rows and
    /// archive cells, rejections, the counters and the log lines (the oldest rejection lines beyond
    /// ``rejectionLogLimit`` are deleted). Returns, per accepted entry in
    /// order, its new id, or nil when a live candidate with its fingerprint appeared meanwhile (then
    /// it is recorded as rejected, and the message's other migrants stand).
    public func recordImmigration(
        _ entries: [ImmigrationEntry], peer: Int, sequence: Int, rejectionLimit: Int = rejectionLogLimit
    ) throws -> [Int64?] {
        let now = Date().timeIntervalSince1970
        return try pool.write { db in
            var ids: [Int64?] = []
            for entry in entries {
                switch entry {
                case let .accepted(record, cell):
                    if let id = try Self.insertImmigrant(db, record, cell: cell, peer: peer, sequence: sequence, at: now) {
                        ids.append(id)
                    } else {
                        ids.append(nil)
                        try Self.logRejection(db, fingerprint: record.fingerprint ?? "", reason: "already on this island", peer: peer, sequence: sequence, at: now)
                    }
                case let .rejected(fingerprint, reason):
                    try Self.logRejection(db, fingerprint: fingerprint, reason: reason, peer: peer, sequence: sequence, at: now)
                }
                try Self.bump(db, .messagesReceived)
            }
            if ids.contains(nil) || entries.contains(where: { if case .rejected = $0 { true } else { false } }) {
                try Self.trimRejections(db, keeping: rejectionLimit)
            }
            return ids
        }
    }

    /// Inserts an accepted immigrant's row, its archive cell and its log line; nil (and nothing
    /// written) when a live candidate already has its fingerprint.
    static func insertImmigrant(_ db: Database, _ record: CandidateRecord, cell: Int, peer: Int, sequence: Int, at now: Double) throws -> Int64? {
        var row = record
        if let fingerprint = row.fingerprint,
            try Int64.fetchOne(db, sql: "SELECT id FROM candidates WHERE fingerprint = ? AND status IN ('pending', 'failed', 'evaluated')", arguments: [fingerprint]) != nil
        {
            return nil
        }
        try row.insert(db)
        guard let id = row.id else { return nil }
        try place(db, candidate: id, cell: cell, fitness: record.fitness ?? 0)
        try db.execute(
            sql: "INSERT INTO migrations (direction, peer, sequence, fingerprint, candidate, outcome, at) VALUES ('received', ?, ?, ?, ?, ?, ?)",
            arguments: [peer, sequence, record.fingerprint ?? "", id, (record.outcome ?? .new).rawValue, now])
        try bump(db, .migrantsAccepted)
        return id
    }

    /// Deletes the oldest rejection lines beyond `limit`.
    static func trimRejections(_ db: Database, keeping limit: Int) throws {
        try db.execute(
            sql: """
                DELETE FROM migrations WHERE outcome LIKE 'rejected:%' AND id <= (
                    SELECT id FROM migrations WHERE outcome LIKE 'rejected:%' ORDER BY id DESC LIMIT 1 OFFSET ?)
                """,
            arguments: [limit])
    }

    static func logRejection(_ db: Database, fingerprint: String, reason: String, peer: Int, sequence: Int, at now: Double) throws {
        try db.execute(
            sql: "INSERT INTO migrations (direction, peer, sequence, fingerprint, candidate, outcome, at) VALUES ('received', ?, ?, ?, NULL, ?, ?)",
            arguments: [peer, sequence, fingerprint, "rejected: " + reason, now])
        try bump(db, .migrantsRejected)
    }

    static func place(_ db: Database, candidate: Int64, cell: Int, fitness: Double) throws {
        try db.execute(
            sql: "INSERT INTO archive (cell, candidate, fitness) VALUES (?, ?, ?) ON CONFLICT(cell) DO UPDATE SET candidate = excluded.candidate, fitness = excluded.fitness",
            arguments: [cell, candidate, fitness])
    }

    /// Counts a message that could not be verified at all (foreign task, bad version, not JSON).
    public func countDroppedMigration() throws {
        try pool.write { db in try Self.bump(db, .messagesDropped) }
    }

    /// The migration log, oldest first.
    public func migrationLog() throws -> [MigrationEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT direction, peer, sequence, fingerprint, outcome, at FROM migrations ORDER BY id").map {
                MigrationEntry(
                    direction: MigrationFlow.Direction(rawValue: $0["direction"]) ?? .received, peer: $0["peer"], sequence: $0["sequence"], fingerprint: $0["fingerprint"],
                    outcome: $0["outcome"], at: $0["at"])
            }
        }
    }

    /// What re-seeds the archive in an island reset.
    public enum ResetSeed: Sendable {
        /// A candidate of this island with the survivor's loss.
        case existing(candidate: Int64, fitness: Double)
        /// The survivor's best as an immigrant row (verified), from island `peer`.
        case immigrant(CandidateRecord, peer: Int)
    }

    /// An island reset in one transaction: empties the archive (the population is kept), places the
    /// seed in `cell` and counts the reset. Returns the seed's candidate id, or nil (and nothing
    /// changed) when the immigrant turned out to be here already.
    public func resetArchive(seed: ResetSeed, cell: Int) throws -> Int64? {
        try pool.writeWithoutTransaction { db in
            var id: Int64?
            try db.inTransaction {
                try db.execute(sql: "DELETE FROM archive")
                switch seed {
                case let .existing(candidate, fitness):
                    try Self.place(db, candidate: candidate, cell: cell, fitness: fitness)
                    id = candidate
                case let .immigrant(record, peer):
                    id = try Self.insertImmigrant(db, record, cell: cell, peer: peer, sequence: 0, at: Date().timeIntervalSince1970)
                }
                guard id != nil else { return .rollback }
                try Self.bump(db, .resets)
                return .commit
            }
            return id
        }
    }
}
