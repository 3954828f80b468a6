/// One emitter of an island's scheduler in status: what it proposed, what came of it, and the
/// share of the next generation's children the scheduler gives it.
public struct EmitterStatus: Codable, Sendable, Hashable {
    /// Its name (`tweak`, `shape`, `recombine`, or `llm`).
    public var name: String
    /// What one of its children costs, relative to a mutation's child.
    public var cost: Double
    /// Its tallies (``EmitterTally``).
    public var tally: EmitterTally
    /// The probability that the scheduler draws it for a child now.
    public var weight: Double
    /// Its share of all children proposed so far.
    public var share: Double
    /// An LLM emitter's usage (requests, tokens, budget), nil for a mutation family.
    public var llm: LLMUsage?

    public init(name: String, cost: Double, tally: EmitterTally, weight: Double, share: Double, llm: LLMUsage? = nil) {
        (self.name, self.cost, self.tally, self.weight, self.share, self.llm) = (name, cost, tally, weight, share, llm)
    }
}

/// What an emitter's children came to, as the island's store counts them: every child it proposed,
/// by what the island did with it. Successes are children that entered the archive (an empty cell
/// or a better elite) or raised the island's confirmed best.
public struct EmitterTally: Codable, Sendable, Hashable {
    public var proposed = 0
    /// Evaluated, failed in evaluation, not yet evaluated.
    public var evaluated = 0, failed = 0, pending = 0
    /// Refused before evaluation: not a valid loss, an exact repeat of a live candidate, a shape
    /// within the novelty distance of an elite or a recent child.
    public var invalid = 0, duplicates = 0, nearDuplicates = 0
    /// Children that entered the archive, and those that raised the confirmed best.
    public var added = 0, raisedBest = 0

    public init() {}

    /// Children that improved a cell or the confirmed best.
    public var successes: Int { added + raisedBest }

    /// Children that were new (neither repeats nor near-repeats) and valid: those evaluated or on their way.
    public var new: Int { evaluated + failed + pending }

    enum CodingKeys: String, CodingKey {
        case proposed, evaluated, failed, pending, invalid, duplicates, nearDuplicates = "near_duplicates", added, raisedBest = "raised_best"
    }
}
