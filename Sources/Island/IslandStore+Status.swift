import GRDB
import Model

/// What an island's status reads from its database, read together from one snapshot.
public struct StoredStatus: Sendable, Hashable {
    public var counters: IslandCounters
    public var generation: Int
    /// Every candidate ever proposed, and those waiting for (or under) evaluation.
    public var population: Int
    public var pending: Int
}

extension IslandStore {
    /// The counters, the generation, the population and the pending count, in one read: the numbers
    /// of a status agree with each other even while generations write.
    public func storedStatus() throws -> StoredStatus {
        try pool.read { db in
            let counters = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, value FROM counters").map { ($0["name"] as String, $0["value"] as Int) })
            let generation = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'").flatMap { Int($0) } ?? 0
            return StoredStatus(
                counters: IslandCounters(byName: counters), generation: generation, population: try CandidateRecord.fetchCount(db),
                pending: try CandidateRecord.filter(Column("status") == CandidateStatus.pending).fetchCount(db))
        }
    }
}
