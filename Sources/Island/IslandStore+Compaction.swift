import Foundation
import GRDB
import Model
import Storage

extension IslandStore {
    /// What one compaction removed, and the vacuum that followed it if one was due.
    public struct Compaction: Sendable, Hashable {
        public var candidates = 0
        public var migrationLines = 0
        public var historyPoints = 0
        public var vacuum: FileUpkeep.Outcome?
    }

    /// The migration log lines compaction keeps at most (the newest), of every kind.
    public static let migrationLogLimit = 10_000
    /// The history points compaction keeps (the newest): what the dashboard's charts show.
    public static let historyLimit = 2_000

    /// Deletes, in one transaction, the candidates proposed before generation `cutoff` that nothing
    /// refers to, and the migration log's lines beyond the newest `migrationLogLimit`. Kept whatever
    /// their age: the archive's elites, pending candidates, the `keepBest` best by confirmed fitness,
    /// the `keepTopSearch` best by search fitness at stage 2 or more (the k-th best that decides a
    /// confirmation is unchanged), the live audit's candidates (its rank correlation reads them),
    /// candidates a conversation turn refers to, the live candidates duplicates point at, and the
    /// ancestors of a kept candidate proposed in generation `lineageFrom` or later (lineages stay whole
    /// that far back: the default keeps every ancestor, which lets a long run grow with its lineages'
    /// depth; an island passes twice its horizon, and a parent older than that reads as compacted).
    /// Counters keep their totals. A loss whose
    /// row was deleted and is proposed again counts as new and is evaluated again (the farm's cache
    /// usually answers it). The migration log keeps the lines written since generation `cutoff`
    /// finished (at most `migrationLines`, the newest), and the history its newest `historyLimit` points.
    /// When rows went, the file is vacuumed if it has grown by a tenth since it was last dense (``FileUpkeep``).
    public func compact(
        before cutoff: Int, keepBest: Int, keepTopSearch: Int, lineageFrom: Int = .min, migrationLines: Int = migrationLogLimit
    ) throws -> Compaction {
        var removed = try pool.write { db in
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS kept (id INTEGER PRIMARY KEY)")
            try db.execute(sql: "DELETE FROM kept")
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO kept (id)
                        SELECT candidate FROM archive
                        UNION SELECT id FROM candidates WHERE generation >= ? OR status = 'pending' OR confirmed_by = 'audit'
                        UNION SELECT * FROM (SELECT id FROM candidates WHERE confirmed_fitness IS NOT NULL ORDER BY confirmed_fitness DESC LIMIT ?)
                        UNION SELECT * FROM (SELECT id FROM candidates WHERE status = 'evaluated' AND stage >= 2 ORDER BY fitness DESC LIMIT ?)
                        UNION SELECT candidate FROM llm_turns WHERE candidate IS NOT NULL
                    """, arguments: [cutoff, keepBest, keepTopSearch])
            // What kept duplicates point at, then every ancestor of what is kept.
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO kept (id)
                        SELECT c.duplicate_of FROM candidates c JOIN kept k ON k.id = c.id WHERE c.duplicate_of IS NOT NULL
                    """)
            try db.execute(
                sql: """
                    WITH RECURSIVE ancestors(id) AS (
                        SELECT id FROM kept
                        UNION SELECT p.id FROM ancestors a JOIN candidates c ON c.id = a.id, json_each(c.parents) j
                            JOIN candidates p ON p.id = CAST(j.value AS INTEGER) WHERE p.generation >= ?)
                    INSERT OR IGNORE INTO kept (id) SELECT id FROM ancestors
                    """, arguments: [lineageFrom])
            // Duplicates of a candidate that goes go with it (they are older rows, from before duplicates were counts).
            try db.execute(
                sql: "DELETE FROM candidates WHERE duplicate_of IS NOT NULL AND id NOT IN kept AND duplicate_of NOT IN kept AND generation < ?",
                arguments: [cutoff])
            var removed = Compaction(candidates: db.changesCount)
            try db.execute(sql: "DELETE FROM candidates WHERE id NOT IN kept AND generation < ? AND status != 'pending'", arguments: [cutoff])
            removed.candidates += db.changesCount
            try db.execute(
                sql: "DELETE FROM migrations WHERE at < (SELECT MAX(at) FROM history WHERE generation <= ?)", arguments: [cutoff])
            removed.migrationLines = db.changesCount
            try db.execute(
                sql: "DELETE FROM migrations WHERE id <= (SELECT MAX(id) FROM migrations) - ?", arguments: [migrationLines])
            removed.migrationLines += db.changesCount
            try db.execute(
                sql: "DELETE FROM history WHERE generation <= (SELECT MAX(generation) FROM history) - ?", arguments: [Self.historyLimit])
            removed.historyPoints = db.changesCount
            try db.execute(sql: "DELETE FROM kept")
            if removed.candidates > 0 { try Self.bump(db, .compacted, by: removed.candidates) }
            return removed
        }
        if removed.candidates + removed.migrationLines + removed.historyPoints > 0 { removed.vacuum = FileUpkeep.upkeep(pool) }
        return removed
    }
}
