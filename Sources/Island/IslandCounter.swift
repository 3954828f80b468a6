import Model

/// A counter an island keeps in its database (`counters` table: name, value), one transaction with
/// the change it counts. The stored names are those of earlier versions, so old databases read on;
/// a proposer's own counters (the LLM's tokens, requests, failures) live under its prefix as
/// ``proposer(_:)``.
public enum IslandCounter: Hashable, Sendable {
    /// Candidates evaluated at stage 1 or 2, and of them those at stage 2 and those the farm had cached.
    case evaluationsDone, evaluationsAtStageTwo, evaluationsCached
    /// Evaluations that failed.
    case evaluationsFailed
    /// Stage-3 results: of the top k, of the live audit, and stage-3 evaluations that failed.
    case confirmations, audits, confirmationsFailed
    /// Candidates re-opened because the farm corrected their result (its worker was quarantined).
    case corrections
    /// Candidate rows compaction deleted (past `keep_generations`, referred to by nothing).
    case compacted
    /// What each evaluated candidate did to the archive.
    case archive(ArchiveOutcome)
    /// Proposals by the status they were recorded with: `pending` (a valid, new loss), `invalid`,
    /// `duplicate`.
    case proposals(CandidateStatus)
    /// Proposals refused by the novelty check (near-repeats of an elite or a recent child), not stored.
    case nearDuplicates
    /// What an emitter's children did that no row records: repeats, near-repeats, and raising the
    /// island's confirmed best.
    case emitter(String, EmitterEvent)
    /// Migration: migrants sent (one per peer), messages received, migrants accepted and rejected,
    /// messages dropped, archive resets.
    case migrantsSent, messagesReceived, migrantsAccepted, migrantsRejected, messagesDropped, resets
    /// A proposer's own counter, by its full stored name (`llm.requests`).
    case proposer(String)

    /// The stored name.
    public var name: String {
        switch self {
        case .evaluationsDone: "evaluations.done"
        case .evaluationsAtStageTwo: "evaluations.stage2"
        case .evaluationsCached: "evaluations.cached"
        case .evaluationsFailed: "evaluations.failed"
        case .confirmations: "evaluations.stage3"
        case .audits: "evaluations.audits"
        case .confirmationsFailed: "evaluations.stage3_failed"
        case .corrections: "evaluations.corrected"
        case .compacted: "compaction.candidates"
        case let .archive(outcome): "archive." + (outcome == .notAdded ? "not_added" : outcome.rawValue)
        case let .proposals(status): "proposals." + status.rawValue
        case .nearDuplicates: "proposals.near_duplicate"
        case let .emitter(name, event): Self.emitterPrefix + name + "." + event.rawValue
        case .migrantsSent: "migration.sent"
        case .messagesReceived: "migration.received"
        case .migrantsAccepted: "migration.accepted"
        case .migrantsRejected: "migration.rejected"
        case .messagesDropped: "migration.dropped"
        case .resets: "migration.resets"
        case let .proposer(name): name
        }
    }
}

extension IslandCounter {
    /// The stored prefix of every emitter's counters.
    public static let emitterPrefix = "emitter."
}

/// What an emitter's counters count (``IslandCounter/emitter(_:_:)``).
public enum EmitterEvent: String, Sendable, Hashable, CaseIterable {
    case duplicates, nearDuplicates = "near_duplicates", raisedBest = "raised_best"
}

/// The island's counters by name, as ``IslandStore/counters()`` reads them.
public struct IslandCounters: Sendable, Hashable {
    /// Every counter by stored name (a proposer reads its own prefix from here).
    public var byName: [String: Int]

    public init(byName: [String: Int]) { self.byName = byName }

    /// A counter's value; 0 when it was never bumped.
    public subscript(_ counter: IslandCounter) -> Int { byName[counter.name, default: 0] }
}
