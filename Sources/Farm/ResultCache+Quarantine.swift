import Foundation
import GRDB
import Model

extension ResultCache {
    /// A cached result taken out because the worker that produced it was quarantined: the loss
    /// it is of, to be trained again.
    public struct PurgedResult: Sendable, Hashable {
        public var key: CacheKey
        public var name: String, source: String
    }

    /// Removes every result `worker` produced that no other worker confirmed, from memory and the
    /// file, and returns them, so that they are trained again; they wait in the file as pending
    /// corrections until ``corrected(_:)``, so a broker restarted meanwhile trains them still.
    /// Results another worker agreed with stay: they are the truth whoever produced them first.
    public func purge(worker: String) throws -> [PurgedResult] {
        try flush()
        let purged = try queue.write { db -> [PurgedResult] in
            let rows = try Row.fetchAll(
                db, sql: "SELECT fingerprint, task_hash, stage, name, source FROM results WHERE worker = ? AND verified = 0",
                arguments: [worker])
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO pending_corrections (fingerprint, task_hash, stage, name, source)
                    SELECT fingerprint, task_hash, stage, COALESCE(name, ''), COALESCE(source, '') FROM results WHERE worker = ? AND verified = 0
                    """, arguments: [worker])
            try db.execute(sql: "DELETE FROM results WHERE worker = ? AND verified = 0", arguments: [worker])
            return rows.compactMap(Self.purgedResult)
        }
        for result in purged { memory[result.key] = nil }
        return purged
    }

    /// The purged results not yet trained again and sent (after a restart: the broker re-queues them).
    public func pendingCorrections() throws -> [PurgedResult] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT fingerprint, task_hash, stage, name, source FROM pending_corrections").compactMap(Self.purgedResult)
        }
    }

    /// A purged result was trained again and its correction sent: it is no longer pending, and it
    /// joins the corrections an island is sent when it connects.
    public func corrected(_ key: CacheKey, result: Data) throws {
        try queue.write { db in
            try db.execute(
                sql: "DELETE FROM pending_corrections WHERE fingerprint = ? AND task_hash = ? AND stage = ?",
                arguments: [key.fingerprint, key.taskHash, key.stage.rawValue])
            try db.execute(
                sql: "INSERT OR REPLACE INTO corrections (fingerprint, task_hash, stage, result) VALUES (?, ?, ?, ?)",
                arguments: [key.fingerprint, key.taskHash, key.stage.rawValue, String(decoding: result, as: UTF8.self)])
        }
    }

    /// Every correction sent so far, with its result's JSON.
    public func corrections() throws -> [(key: CacheKey, result: Data)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT fingerprint, task_hash, stage, result FROM corrections").compactMap { row in
                CacheKey(row: row).map { ($0, Data((row["result"] as String).utf8)) }
            }
        }
    }

    private static func purgedResult(_ row: Row) -> PurgedResult? {
        CacheKey(row: row).map { PurgedResult(key: $0, name: row["name"] ?? "", source: row["source"] ?? "") }
    }

    /// The quarantined workers and why, as the file keeps them (a restarted broker still refuses them).
    public func quarantined() throws -> [String: String] {
        try queue.read { db in
            Dictionary(
                try Row.fetchAll(db, sql: "SELECT worker, reason FROM quarantine").map { ($0["worker"] as String, $0["reason"] as String) },
                uniquingKeysWith: { first, _ in first })
        }
    }

    /// Records a worker's quarantine (a second one keeps the first reason).
    public func quarantine(worker: String, reason: String) throws {
        try queue.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO quarantine (worker, reason, since) VALUES (?, ?, ?)",
                arguments: [worker, reason, Date().timeIntervalSince1970])
        }
    }

    /// Lifts a worker's quarantine; returns whether it was quarantined.
    public func release(worker: String) throws -> Bool {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM quarantine WHERE worker = ?", arguments: [worker])
            return db.changesCount > 0
        }
    }
}
