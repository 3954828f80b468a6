import ConfigFiles
import Evaluation
import Foundation
import GRDB
import Model
import Storage

/// The broker's result cache: one SQLite file keyed by fingerprint, task hash and stage, mirrored in
/// memory. Results are written in one transaction per turn of the broker's loop, before any island
/// is told about them, so a restarted broker answers from the cache what it answered before.
///
/// Each row keeps where its result came from (the worker, and whether a second worker agreed) and
/// the loss it is of, so that a quarantined worker's unconfirmed results can be purged and trained
/// again (``purge(worker:)``). The same file keeps the quarantined workers.
public final class ResultCache: @unchecked Sendable {
    let queue: DatabaseQueue
    /// Results as the workers wrote them (JSON of ``EvaluationResult``).
    var memory: [CacheKey: Data] = [:]
    private var unwritten: [(CacheKey, CachedResult)] = []
    /// The most results kept (0: no limit); past it the oldest go at each flush.
    let limit: Int

    /// A result with where it came from.
    public struct CachedResult: Sendable {
        public var json: Data
        /// The loss, so that the result can be trained again.
        public var name: String, source: String
        /// The worker whose result it is, and whether another worker's agreed with it (an audit).
        public var worker: String
        public var verified: Bool

        public init(json: Data, name: String, source: String, worker: String, verified: Bool) {
            (self.json, self.name, self.source, self.worker, self.verified) = (json, name, source, worker, verified)
        }
    }

    /// Opens (or makes) the cache at `path`, keeping at most `limit` results (0: no limit): a
    /// result evicted is trained again when asked for (`[farm] cache_limit`).
    public init(path: String, limit: Int = 0) throws {
        self.limit = limit
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        if path != ":memory:" { try PrivateFiles.createIfAbsent(path) }  // mode 0600, and so its WAL
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try Self.migrator.migrate(queue)
        try queue.read { db in
            for row in try Row.fetchAll(db, sql: "SELECT fingerprint, task_hash, stage, result FROM results") {
                guard let key = CacheKey(row: row) else { continue }
                memory[key] = Data((row["result"] as String).utf8)
            }
        }
    }

    /// The cache's schema, from the first file (results only) to provenance and quarantine.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("results") { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS results (
                        fingerprint TEXT NOT NULL, task_hash TEXT NOT NULL, stage INTEGER NOT NULL,
                        result TEXT NOT NULL, created_at REAL NOT NULL,
                        PRIMARY KEY (fingerprint, task_hash, stage))
                    """)
        }
        migrator.registerMigration("provenance and quarantine") { db in
            // Rows from before keep NULL provenance: no worker is blamed for them.
            try db.alter(table: "results") { table in
                table.add(column: "name", .text)
                table.add(column: "source", .text)
                table.add(column: "worker", .text)
                table.add(column: "verified", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "results_by_worker", on: "results", columns: ["worker", "verified"])
            try db.create(table: "quarantine") { table in
                table.primaryKey("worker", .text)
                table.column("reason", .text).notNull()
                table.column("since", .double).notNull()
            }
            // Purged results waiting to be trained again and sent to the islands as corrections.
            try db.create(table: "pending_corrections") { table in
                table.column("fingerprint", .text).notNull()
                table.column("task_hash", .text).notNull()
                table.column("stage", .integer).notNull()
                table.column("name", .text).notNull()
                table.column("source", .text).notNull()
                table.primaryKey(["fingerprint", "task_hash", "stage"])
            }
            // Corrections sent: an island that (re)connects is sent them all again (``corrections()``).
            try db.create(table: "corrections") { table in
                table.column("fingerprint", .text).notNull()
                table.column("task_hash", .text).notNull()
                table.column("stage", .integer).notNull()
                table.column("result", .text).notNull()
                table.primaryKey(["fingerprint", "task_hash", "stage"])
            }
        }
        migrator.registerMigration("upkeep") { db in try FileUpkeep.createTable(db) }
        return migrator
    }

    public var count: Int { memory.count }

    /// The cached result's JSON.
    public func result(for key: CacheKey) -> Data? { memory[key] }

    /// Stores a result in memory (replacing none: the first result for a key is the one every island
    /// gets); ``flush()`` writes what was stored since the last flush to the file in one transaction.
    public func store(_ result: CachedResult, for key: CacheKey) {
        guard memory[key] == nil else { return }
        memory[key] = result.json
        unwritten.append((key, result))
    }

    /// Writes the results stored since the last flush (the broker flushes before it replies, so an
    /// answered result is on disk), then evicts past the limit. Returns the vacuum that followed an
    /// eviction, if one was due (``FileUpkeep``).
    @discardableResult
    public func flush() throws -> FileUpkeep.Outcome? {
        guard !unwritten.isEmpty else { return nil }
        let now = Date().timeIntervalSince1970
        try queue.write { db in
            for (key, result) in unwritten {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO results (fingerprint, task_hash, stage, result, created_at, name, source, worker, verified)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        key.fingerprint, key.taskHash, key.stage.rawValue, String(decoding: result.json, as: UTF8.self), now, result.name,
                        result.source, result.worker, result.verified,
                    ])
            }
        }
        unwritten.removeAll()
        return try evict()
    }

    /// Deletes the oldest results past the limit, from the file and from memory, and vacuums the
    /// file if it has grown by a tenth since it was last dense.
    private func evict() throws -> FileUpkeep.Outcome? {
        guard limit > 0, memory.count > limit else { return nil }
        let excess = memory.count - limit
        let evicted = try queue.write { db -> [CacheKey] in
            let rows = try Row.fetchAll(
                db, sql: "SELECT rowid, fingerprint, task_hash, stage FROM results ORDER BY created_at, rowid LIMIT ?", arguments: [excess])
            try db.execute(
                sql: "DELETE FROM results WHERE rowid IN (SELECT rowid FROM results ORDER BY created_at, rowid LIMIT ?)", arguments: [excess])
            return rows.compactMap(CacheKey.init(row:))
        }
        for key in evicted { memory[key] = nil }
        return FileUpkeep.upkeep(queue)
    }
}

extension CacheKey {
    /// The key of a row of the cache's tables (`fingerprint`, `task_hash`, `stage` columns); nil for a stage this build does not know.
    init?(row: Row) {
        guard let stage = Stage(rawValue: row["stage"]) else { return nil }
        self.init(fingerprint: row["fingerprint"], taskHash: row["task_hash"], stage: stage)
    }
}
