import Control
import Evaluation
import Foundation
import GRDB
import LossDescriptors
import Model
import Search

extension IslandStore {
    /// A candidate's search-stage scores per member and seed (``CandidateRecord/seedScores``), read
    /// alone: the parsimony rule needs them for one elite per evaluation, under the archive lock.
    public func seedScores(candidate id: Int64) throws -> SeedScores? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT seed_scores FROM candidates WHERE id = ?", arguments: [id])
                .map { try Self.jsonDecoder.decode(SeedScores.self, from: Data($0.utf8)) }
        }
    }

    /// Records an evaluated candidate with its archive outcome, in one transaction: the candidate
    /// row, the archive cell (when new or improved), the counters and the parent cell's curiosity.
    public func complete(
        candidate id: Int64, result: EvaluationResult, descriptors: Descriptors,
        outcome: InsertOutcome, parentCells: [Int], seedScores: SeedScores? = nil
    ) throws {
        let metrics = try Self.json(result.metrics)
        let members = try result.members.map { try Self.json($0) }
        let scores = try seedScores.map { try Self.json($0) }
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE candidates SET status = 'evaluated', fitness = ?, stage = ?, metrics = ?, members = ?, seed_scores = ?, convexity = ?,
                        grad0 = ?, beta_sensitivity = ?, outcome = ?, evaluated_at = ? WHERE id = ? AND status = 'pending'
                    """,
                arguments: [
                    result.fitness, result.stage.rawValue, metrics, members, scores, descriptors.convexity, descriptors.grad0,
                    descriptors.betaSensitivity, outcome.outcome, Date().timeIntervalSince1970, id,
                ])
            guard db.changesCount == 1 else { return }  // already completed: nothing is counted twice
            switch outcome {
            case let .new(cell), let .improved(cell, _):
                try db.execute(
                    sql:
                        "INSERT INTO archive (cell, candidate, fitness) VALUES (?, ?, ?) ON CONFLICT(cell) DO UPDATE SET candidate = excluded.candidate, fitness = excluded.fitness",
                    arguments: [cell, id, result.fitness ?? 0])
            case .notAdded: break
            }
            try Self.bump(db, .evaluationsDone)
            try Self.bump(db, .archive(outcome.outcome))
            if result.stage == .two { try Self.bump(db, .evaluationsAtStageTwo) }
            if result.cached == true { try Self.bump(db, .evaluationsCached) }
            let added = outcome.isAdded
            for cell in parentCells {
                try db.execute(
                    sql: "INSERT INTO curiosity (cell, proposed, added) VALUES (?, 1, ?) ON CONFLICT(cell) DO UPDATE SET proposed = proposed + 1, added = added + excluded.added",
                    arguments: [cell, added ? 1 : 0])
            }
        }
    }

    /// Records a failed evaluation (or descriptors that could not be computed), in one transaction.
    public func fail(candidate id: Int64, reason: String, stage: Stage, parentCells: [Int]) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE candidates SET status = 'failed', error = ?, stage = ?, evaluated_at = ? WHERE id = ? AND status = 'pending'",
                arguments: [reason, stage.rawValue, Date().timeIntervalSince1970, id])
            guard db.changesCount == 1 else { return }
            try Self.bump(db, .evaluationsFailed)
            for cell in parentCells {
                try db.execute(
                    sql: "INSERT INTO curiosity (cell, proposed, added) VALUES (?, 1, 0) ON CONFLICT(cell) DO UPDATE SET proposed = proposed + 1",
                    arguments: [cell])
            }
        }
    }

    /// The archive as stored: each cell's elite with its descriptors.
    public func loadArchive(bins: DescriptorBins) throws -> Archive {
        try pool.read { db in
            var archive = Archive(bins: bins)
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.candidate, a.fitness, c.convexity, c.grad0, c.beta_sensitivity, c.canonical
                    FROM archive a JOIN candidates c ON c.id = a.candidate ORDER BY a.cell
                    """)
            {
                archive.place(
                    Elite(
                        candidate: row["candidate"], fitness: row["fitness"],
                        descriptors: Descriptors(
                            convexity: row["convexity"], grad0: row["grad0"],
                            betaSensitivity: row["beta_sensitivity"]),
                        size: (row["canonical"] as String?).flatMap(CandidateRecord.size(ofCanonical:))))
            }
            return archive
        }
    }

    public func loadCuriosity() throws -> CuriosityCounts {
        try pool.read { db in
            var counts = CuriosityCounts()
            for row in try Row.fetchAll(db, sql: "SELECT cell, proposed, added FROM curiosity") {
                counts.restore(cell: row["cell"], proposed: row["proposed"], added: row["added"])
            }
            return counts
        }
    }
}
