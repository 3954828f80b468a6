import Control
import Evaluation
import Foundation
import GRDB
import Model

extension IslandStore {
    /// Columns for stage 3 (docs/architecture.md §5.4) and for each member's share of a suite's result.
    static func registerConfirmationColumns(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-confirmation") { db in
            try db.execute(
                sql: """
                    ALTER TABLE candidates ADD COLUMN members TEXT;                -- each member's stage-1/2 fitness and metrics, JSON
                    ALTER TABLE candidates ADD COLUMN confirmed_fitness REAL;      -- stage 3: fitness on the confirmation seeds
                    ALTER TABLE candidates ADD COLUMN confirmed_difference REAL;   -- minus the baseline's, paired by member and seed
                    ALTER TABLE candidates ADD COLUMN confirmed_se REAL;           -- the paired standard error of that difference
                    ALTER TABLE candidates ADD COLUMN confirmed_members TEXT;      -- each member's stage-3 fitness, JSON
                    CREATE INDEX candidates_confirmed ON candidates(confirmed_fitness) WHERE confirmed_fitness IS NOT NULL;
                    """)
        }
    }

    /// Why each confirmed candidate was trained at stage 3; confirmations from before the audit were all the top k's.
    static func registerAuditColumn(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-audit") { db in
            try db.execute(
                sql: """
                    ALTER TABLE candidates ADD COLUMN confirmed_by TEXT;  -- 'top-k' or 'audit'
                    UPDATE candidates SET confirmed_by = 'top-k' WHERE confirmed_fitness IS NOT NULL;
                    CREATE INDEX candidates_audited ON candidates(id) WHERE confirmed_by = 'audit';
                    """)
        }
    }

    /// The search fitness of the k-th best candidate evaluated at stage 2 (nil when fewer than k are).
    public func kthBestSearchFitness(_ k: Int) throws -> Double? {
        try pool.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT fitness FROM candidates WHERE status = 'evaluated' AND stage >= 2 ORDER BY fitness DESC LIMIT 1 OFFSET ?
                    """, arguments: [k - 1])
        }
    }

    /// Records a candidate's stage-3 result with its paired difference to the baseline and why it
    /// was trained there (one transaction).
    public func confirm(candidate id: Int64, result: EvaluationResult, difference: Estimate, by origin: ConfirmationOrigin = .topK) throws {
        let members = try Self.json(result.members ?? [])
        try pool.write { db in
            let previousBest = try Double.fetchOne(db, sql: "SELECT MAX(confirmed_fitness) FROM candidates")
            try db.execute(
                sql: """
                    UPDATE candidates SET confirmed_fitness = ?, confirmed_difference = ?, confirmed_se = ?, confirmed_members = ?,
                        confirmed_by = ?
                    WHERE id = ? AND confirmed_fitness IS NULL
                    """,
                arguments: [
                    result.fitness, difference.value.isFinite ? difference.value : nil,
                    difference.standardError.isFinite ? difference.standardError : nil, members, origin, id,
                ])
            guard db.changesCount == 1 else { return }
            try Self.bump(db, origin == .audit ? .audits : .confirmations)
            // A child that raises the island's confirmed best is a success of its emitter.
            if let fitness = result.fitness, fitness > previousBest ?? -.infinity,
                let emitter = try String.fetchOne(db, sql: "SELECT emitter FROM candidates WHERE id = ?", arguments: [id])
            {
                try Self.bump(db, .emitter(emitter, .raisedBest))
            }
        }
    }

    /// Records a failed confirmation: the candidate keeps its search result, and the failure is counted.
    public func countFailedConfirmation() throws {
        try pool.write { db in try Self.bump(db, .confirmationsFailed) }
    }

    /// The audited candidates' search (stage-2) and stage-3 fitness, in the order they were proposed.
    public func auditPairs() throws -> [AuditPoint] {
        try pool.read { db in try Self.auditPairs(db) }
    }

    static func auditPairs(_ db: Database) throws -> [AuditPoint] {
        try Row.fetchAll(
            db, sql: "SELECT id, fitness, confirmed_fitness FROM candidates WHERE confirmed_by = ? AND fitness IS NOT NULL ORDER BY id",
            arguments: [ConfirmationOrigin.audit]
        ).map { AuditPoint(candidate: $0["id"], search: $0["fitness"], confirmed: $0["confirmed_fitness"]) }
    }

    /// Confirmed fitness by candidate, for every confirmed candidate.
    public func confirmedFitness() throws -> [Int64: Double] {
        try pool.read { db in
            var result: [Int64: Double] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, confirmed_fitness FROM candidates WHERE confirmed_fitness IS NOT NULL") {
                result[row["id"]] = row["confirmed_fitness"]
            }
            return result
        }
    }

    /// The best confirmed candidates, by confirmed fitness (ties: the older one first).
    public func bestConfirmed(limit: Int) throws -> [CandidateRecord] {
        try pool.read { db in try Self.bestConfirmed(db, limit: limit) }
    }

    static func bestConfirmed(_ db: Database, limit: Int) throws -> [CandidateRecord] {
        try CandidateRecord.fetchAll(
            db, sql: "SELECT * FROM candidates WHERE confirmed_fitness IS NOT NULL ORDER BY confirmed_fitness DESC, id LIMIT ?", arguments: [limit])
    }

    /// A stored JSON value of the meta table, decoded.
    func metaJSON<T: Decodable>(_ key: String, as type: T.Type) throws -> T? {
        try meta(key).flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }
}
