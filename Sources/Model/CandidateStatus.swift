/// Where a candidate stands.
public enum CandidateStatus: String, Sendable, Codable, CaseIterable {
    /// Failed stage-0 validation; `error` says why.
    case invalid
    /// Same fingerprint as an earlier candidate (`duplicateOf`).
    case duplicate
    /// Valid and waiting for (or under) evaluation. Re-evaluated after a restart.
    case pending
    /// The evaluation failed; `error` says why.
    case failed
    /// Evaluated: fitness, stage, metrics, descriptors and the archive outcome are set.
    case evaluated
}

/// What entering the archive did: a new cell, a better elite, a migrant that replaced the elite
/// (it may be worse: the migration policy said so), or nothing.
public enum ArchiveOutcome: String, Sendable, Codable, CaseIterable {
    case new, improved, replaced
    case notAdded = "not added"

    /// Whether the candidate is now its cell's elite.
    public var isAdded: Bool { self != .notAdded }
}

/// Why a candidate was trained at stage 3: its stage-2 fitness entered the island's top k, or the
/// live proxy audit drew it at random from the others.
public enum ConfirmationOrigin: String, Sendable, Codable, CaseIterable {
    case topK = "top-k"
    case audit
}

/// Confirmed before unconfirmed, then by fitness: how "best" ranks candidates everywhere (best,
/// status, emigrants, the LLM's examples).
public struct RankingKey: Comparable, Sendable, Hashable {
    public var confirmed: Bool
    public var fitness: Double

    public init(confirmed: Bool, fitness: Double) { (self.confirmed, self.fitness) = (confirmed, fitness) }

    /// The key of a candidate with this confirmed fitness (nil: not confirmed) and search fitness
    /// (nil: none yet, ranked last).
    public init(confirmed confirmedFitness: Double?, search: Double?) {
        self.init(confirmed: confirmedFitness != nil, fitness: confirmedFitness ?? search ?? -.infinity)
    }

    public static func < (a: RankingKey, b: RankingKey) -> Bool {
        a.confirmed != b.confirmed ? !a.confirmed : a.fitness < b.fitness
    }
}
