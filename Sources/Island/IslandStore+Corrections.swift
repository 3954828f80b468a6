import Foundation
import GRDB
import Model

extension IslandStore {
    /// Re-opens a candidate whose result the farm corrected (its worker was quarantined): back to
    /// pending, without fitness, stage, descriptors or confirmation, out of the archive, so that
    /// the next generation evaluates it again through the cascade. One transaction; returns the
    /// archive cell it held, if any, for the caller to fill again.
    public func reopen(candidate id: Int64) throws -> Int? {
        try pool.write { db in
            let cell = try Int.fetchOne(db, sql: "SELECT cell FROM archive WHERE candidate = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM archive WHERE candidate = ?", arguments: [id])
            try db.execute(
                sql: """
                    UPDATE candidates SET status = 'pending', error = NULL, fitness = NULL, stage = NULL, metrics = NULL, members = NULL,
                        seed_scores = NULL, convexity = NULL, grad0 = NULL, beta_sensitivity = NULL, outcome = NULL, evaluated_at = NULL,
                        confirmed_fitness = NULL, confirmed_difference = NULL, confirmed_se = NULL, confirmed_members = NULL, confirmed_by = NULL
                    WHERE id = ? AND status IN ('evaluated', 'failed')
                    """, arguments: [id])
            if db.changesCount == 1 { try Self.bump(db, .corrections) }
            return cell
        }
    }

    /// The evaluated candidates with descriptors, for refilling an archive cell: (id, fitness, descriptors, canonical).
    public func evaluatedElites() throws -> [(id: Int64, fitness: Double, descriptors: Descriptors, canonical: String?)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, fitness, convexity, grad0, beta_sensitivity, canonical FROM candidates
                    WHERE status = 'evaluated' AND fitness IS NOT NULL AND convexity IS NOT NULL AND grad0 IS NOT NULL
                        AND beta_sensitivity IS NOT NULL
                    """
            ).map { row in
                (
                    row["id"], row["fitness"], Descriptors(convexity: row["convexity"], grad0: row["grad0"], betaSensitivity: row["beta_sensitivity"]),
                    row["canonical"]
                )
            }
        }
    }

    /// Makes `candidate` the elite of `cell` (a cell refilled after its elite was re-opened).
    public func placeElite(cell: Int, candidate: Int64, fitness: Double) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO archive (cell, candidate, fitness) VALUES (?, ?, ?) ON CONFLICT(cell) DO UPDATE SET candidate = excluded.candidate, fitness = excluded.fitness",
                arguments: [cell, candidate, fitness])
        }
    }
}
