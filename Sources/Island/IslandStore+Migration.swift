import Foundation
import GRDB
import Search

extension IslandStore {
    /// One line of the migration log: a candidate sent to, or received from, another island.
    public struct MigrationEntry: Sendable, Hashable {
        public var direction: String
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
            try Self.bump(db, "migration.sent", by: emigrants.count * peers.count)
        }
    }

    /// What became of one migrant of a received message.
    public enum ImmigrationEntry: Sendable {
        /// Its candidate row (evaluated, proposer `migrant:<island>`) and archive cell.
        case accepted(CandidateRecord, cell: Int)
        case rejected(fingerprint: String, reason: String)
    }

    /// Records a received migrant message in one transaction: accepted immigrants' candidate rows and
    /// archive cells, rejections, the counters and the log lines. Returns the accepted ones' new ids.
    public func recordImmigration(_ entries: [ImmigrationEntry], peer: Int, sequence: Int) throws -> [Int64] {
        let now = Date().timeIntervalSince1970
        return try pool.write { db in
            var ids: [Int64] = []
            for entry in entries {
                switch entry {
                case let .accepted(record, cell):
                    var row = record
                    // A live candidate with this fingerprint would make the insert fail: checked here, in the transaction.
                    if let fingerprint = row.fingerprint,
                        try Int64.fetchOne(db, sql: "SELECT id FROM candidates WHERE fingerprint = ? AND status IN ('pending', 'failed', 'evaluated')", arguments: [fingerprint])
                            != nil
                    {
                        throw DatabaseError(message: "immigrant \(fingerprint) is already on this island")
                    }
                    try row.insert(db)
                    guard let id = row.id else { throw DatabaseError(message: "the immigrant has no id after insert") }
                    ids.append(id)
                    try db.execute(
                        sql:
                            "INSERT INTO archive (cell, candidate, fitness) VALUES (?, ?, ?) ON CONFLICT(cell) DO UPDATE SET candidate = excluded.candidate, fitness = excluded.fitness",
                        arguments: [cell, id, record.fitness ?? 0])
                    try db.execute(
                        sql: "INSERT INTO migrations (direction, peer, sequence, fingerprint, candidate, outcome, at) VALUES ('received', ?, ?, ?, ?, ?, ?)",
                        arguments: [peer, sequence, record.fingerprint ?? "", id, record.outcome ?? "new", now])
                    try Self.bump(db, "migration.accepted")
                case let .rejected(fingerprint, reason):
                    try db.execute(
                        sql: "INSERT INTO migrations (direction, peer, sequence, fingerprint, candidate, outcome, at) VALUES ('received', ?, ?, ?, NULL, ?, ?)",
                        arguments: [peer, sequence, fingerprint, "rejected: " + reason, now])
                    try Self.bump(db, "migration.rejected")
                }
                try Self.bump(db, "migration.received")
            }
            return ids
        }
    }

    /// Counts a message that could not be verified at all (foreign task, bad version, not JSON).
    public func countDroppedMigration() throws {
        try pool.write { db in try Self.bump(db, "migration.dropped") }
    }

    /// The migration log, oldest first.
    public func migrationLog() throws -> [MigrationEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT direction, peer, sequence, fingerprint, outcome, at FROM migrations ORDER BY id").map {
                MigrationEntry(
                    direction: $0["direction"], peer: $0["peer"], sequence: $0["sequence"], fingerprint: $0["fingerprint"],
                    outcome: $0["outcome"], at: $0["at"])
            }
        }
    }

    /// Empties the archive (an island reset); the population is kept.
    public func clearArchive() throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM archive")
            try Self.bump(db, "migration.resets")
        }
    }

    /// Puts an existing candidate into a cell unconditionally (an island reset's survivor).
    public func placeInArchive(candidate: Int64, cell: Int, fitness: Double) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO archive (cell, candidate, fitness) VALUES (?, ?, ?) ON CONFLICT(cell) DO UPDATE SET candidate = excluded.candidate, fitness = excluded.fitness",
                arguments: [cell, candidate, fitness])
        }
    }
}
