import Control
import GRDB
import Model

/// What an island's status reads from its database, read together from one snapshot.
public struct StoredStatus: Sendable, Hashable {
    public var counters: IslandCounters
    public var generation: Int
    /// Every candidate ever proposed, and those waiting for (or under) evaluation.
    public var population: Int
    public var pending: Int
    /// The island's best: its best confirmed candidate, else its fittest elite.
    public var best: CandidateRecord?
    /// The live audit's (stage-2, stage-3) fitness pairs, by candidate.
    public var auditPairs: [AuditPoint]
}

extension IslandStore {
    /// Everything a status needs from the database, in one read: the numbers agree with each other
    /// even while generations write. `fittestElite` is the archive's fittest elite, the best when no
    /// candidate is confirmed ("best" means best confirmed).
    public func storedStatus(fittestElite: Int64? = nil) throws -> StoredStatus {
        try pool.read { db in
            let best = try Self.bestConfirmed(db, limit: 1).first ?? fittestElite.flatMap { try CandidateRecord.fetchOne(db, key: $0) }
            return StoredStatus(
                counters: try Self.counters(db), generation: try Self.generation(db), population: try CandidateRecord.fetchCount(db),
                pending: try CandidateRecord.filter(Column("status") == CandidateStatus.pending).fetchCount(db), best: best,
                auditPairs: try Self.auditPairs(db))
        }
    }
}
