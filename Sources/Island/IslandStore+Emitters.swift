import Control
import GRDB
import Model

extension IslandStore {
    static func registerEmitterColumns(_ migrator: inout DatabaseMigrator) {
        // The scheduler's emitters, repeats as counts, the search stage's per-seed scores for the
        // parsimony rule, and what a conversation's last proposal came to when it was no row.
        migrator.registerMigration("v7-emitters") { db in
            try db.execute(
                sql: """
                    ALTER TABLE candidates ADD COLUMN emitter TEXT;
                    ALTER TABLE candidates ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE candidates ADD COLUMN seed_scores TEXT;
                    ALTER TABLE llm_turns ADD COLUMN verdict TEXT;  -- 'repeat' | 'near_repeat' | NULL (the candidate's own outcome)
                    ALTER TABLE llm_turns ADD COLUMN note TEXT;     -- a near-repeat's feedback
                    UPDATE candidates SET repeats = (SELECT COUNT(*) FROM candidates AS d WHERE d.duplicate_of = candidates.id AND d.status = 'duplicate')
                        WHERE status IN ('pending', 'failed', 'evaluated');
                    CREATE INDEX candidates_emitter ON candidates(emitter) WHERE emitter IS NOT NULL;
                    """)
        }
    }

    /// What each emitter's children came to: rows by status and archive outcome, with the
    /// counters of what left no row (repeats, near-repeats, raised bests).
    public func emitterTallies() throws -> [String: EmitterTally] {
        try pool.read { db in
            var tallies: [String: EmitterTally] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT emitter, status, outcome, COUNT(*) AS n FROM candidates WHERE emitter IS NOT NULL GROUP BY emitter, status, outcome")
            for row in rows {
                let name: String = row["emitter"], n: Int = row["n"]
                var tally = tallies[name, default: EmitterTally()]
                tally.proposed += n
                switch row["status"] as CandidateStatus? {
                case .evaluated:
                    tally.evaluated += n
                    if (row["outcome"] as ArchiveOutcome?)?.isAdded == true { tally.added += n }
                case .failed: tally.failed += n
                case .pending: tally.pending += n
                case .invalid: tally.invalid += n
                case .duplicate: tally.duplicates += n  // rows of a database older than repeats as counts
                case nil: break
                }
                tallies[name] = tally
            }
            let prefix = IslandCounter.emitterPrefix
            for (counter, value) in try Self.counters(db).byName where counter.hasPrefix(prefix) {
                guard let dot = counter.lastIndex(of: "."), dot > counter.index(counter.startIndex, offsetBy: prefix.count - 1),
                    let event = EmitterEvent(rawValue: String(counter[counter.index(after: dot)...]))
                else { continue }
                let name = String(counter[counter.index(counter.startIndex, offsetBy: prefix.count)..<dot])
                var tally = tallies[name, default: EmitterTally()]
                switch event {
                case .duplicates: (tally.duplicates, tally.proposed) = (tally.duplicates + value, tally.proposed + value)
                case .nearDuplicates: (tally.nearDuplicates, tally.proposed) = (tally.nearDuplicates + value, tally.proposed + value)
                case .raisedBest: tally.raisedBest += value
                }
                tallies[name] = tally
            }
            return tallies
        }
    }
}
