import ConfigFiles
import Evaluation
import Foundation
import GRDB
import Model

/// The broker's result cache: one SQLite file keyed by fingerprint, task hash and stage, mirrored in
/// memory. Results are written in one transaction per turn of the broker's loop, before any island
/// is told about them, so a restarted broker answers from the cache what it answered before.
public final class ResultCache: @unchecked Sendable {
    private let queue: DatabaseQueue
    /// Results as the workers wrote them (JSON of ``EvaluationResult``).
    private var memory: [CacheKey: Data] = [:]
    private var unwritten: [(CacheKey, Data)] = []

    public init(path: String) throws {
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        if path != ":memory:" { try PrivateFiles.createIfAbsent(path) }  // mode 0600, and so its WAL
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS results (
                        fingerprint TEXT NOT NULL, task_hash TEXT NOT NULL, stage INTEGER NOT NULL,
                        result TEXT NOT NULL, created_at REAL NOT NULL,
                        PRIMARY KEY (fingerprint, task_hash, stage))
                    """)
        }
        try queue.read { db in
            for row in try Row.fetchAll(db, sql: "SELECT fingerprint, task_hash, stage, result FROM results") {
                guard let stage = Stage(rawValue: row["stage"]) else { continue }
                memory[CacheKey(fingerprint: row["fingerprint"], taskHash: row["task_hash"], stage: stage)] = Data((row["result"] as String).utf8)
            }
        }
    }

    public var count: Int { memory.count }

    /// The cached result's JSON.
    public func result(for key: CacheKey) -> Data? { memory[key] }

    /// Stores a result in memory (replacing none: the first result for a key is the one every island
    /// gets); ``flush()`` writes what was stored since the last flush to the file in one transaction.
    public func store(_ result: Data, for key: CacheKey) {
        guard memory[key] == nil else { return }
        memory[key] = result
        unwritten.append((key, result))
    }

    /// Writes the results stored since the last flush (the broker flushes before it replies, so an
    /// answered result is on disk).
    public func flush() throws {
        guard !unwritten.isEmpty else { return }
        let rows = unwritten.map { key, result in (key, String(decoding: result, as: UTF8.self)) }
        let now = Date().timeIntervalSince1970
        try queue.write { db in
            for (key, json) in rows {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO results (fingerprint, task_hash, stage, result, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [key.fingerprint, key.taskHash, key.stage.rawValue, json, now])
            }
        }
        unwritten.removeAll()
    }
}
