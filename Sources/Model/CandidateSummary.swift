/// One candidate as `show` and `best` return it: source forms, lineage, status, fitness (search and
/// confirmed), metrics, members and descriptors.
public struct CandidateSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var generation: Int
    /// The source as proposed (either form), and its canonical compact form when it parsed.
    public var source: String
    public var canonical: String?
    public var fingerprint: String?
    public var parents: [Int64]
    /// Where it came from: a seed loss, a mutation, the LLM, or another island.
    public var proposer: ProposalOrigin
    public var status: CandidateStatus
    public var error: String?
    public var duplicateOf: Int64?
    /// The search fitness (stage 1 or 2) and its stage.
    public var fitness: Double?
    public var stage: Stage?
    public var outcome: ArchiveOutcome?
    public var metrics: [String: Double]?
    public var members: [MemberResult]?
    /// Stage 3: fitness on the confirmation seeds, paired difference to the baseline and its SE.
    public var confirmedFitness: Double?
    public var confirmedDifference: Double?
    public var confirmedStandardError: Double?
    public var confirmedMembers: [MemberResult]?
    /// Why it was trained at stage 3: in the top k, or drawn by the live audit.
    public var confirmedBy: ConfirmationOrigin?
    public var descriptors: Descriptors?

    public init(id: Int64, name: String, generation: Int, source: String, parents: [Int64], proposer: ProposalOrigin, status: CandidateStatus) {
        (self.id, self.name, self.generation, self.source, self.parents, self.proposer, self.status) =
            (id, name, generation, source, parents, proposer, status)
    }

    /// The fitness it ranks by: the confirmed one where there is one.
    public var rankingFitness: Double? { confirmedFitness ?? fitness }

    /// Confirmed candidates first, by confirmed fitness; then the others by search fitness.
    public var rankingKey: RankingKey { RankingKey(confirmed: confirmedFitness, search: fitness) }

    enum CodingKeys: String, CodingKey {
        case id, name, generation, source, canonical, fingerprint, parents, proposer, status, error
        case duplicateOf = "duplicate_of", fitness, stage, outcome, metrics, members
        case confirmedFitness = "confirmed_fitness", confirmedDifference = "confirmed_difference"
        case confirmedStandardError = "confirmed_se", confirmedMembers = "confirmed_members", confirmedBy = "confirmed_by", descriptors
        case rankingFitness = "ranking_fitness"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        (id, name, generation) = (try c.decode(Int64.self, forKey: .id), try c.decode(String.self, forKey: .name), try c.decode(Int.self, forKey: .generation))
        (source, parents) = (try c.decode(String.self, forKey: .source), try c.decode([Int64].self, forKey: .parents))
        (proposer, status) = (try c.decode(ProposalOrigin.self, forKey: .proposer), try c.decode(CandidateStatus.self, forKey: .status))
        canonical = try c.decodeIfPresent(String.self, forKey: .canonical)
        fingerprint = try c.decodeIfPresent(String.self, forKey: .fingerprint)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        duplicateOf = try c.decodeIfPresent(Int64.self, forKey: .duplicateOf)
        fitness = try c.decodeIfPresent(Double.self, forKey: .fitness)
        stage = try c.decodeIfPresent(Stage.self, forKey: .stage)
        outcome = try c.decodeIfPresent(ArchiveOutcome.self, forKey: .outcome)
        metrics = try c.decodeIfPresent([String: Double].self, forKey: .metrics)
        members = try c.decodeIfPresent([MemberResult].self, forKey: .members)
        confirmedFitness = try c.decodeIfPresent(Double.self, forKey: .confirmedFitness)
        confirmedDifference = try c.decodeIfPresent(Double.self, forKey: .confirmedDifference)
        confirmedStandardError = try c.decodeIfPresent(Double.self, forKey: .confirmedStandardError)
        confirmedMembers = try c.decodeIfPresent([MemberResult].self, forKey: .confirmedMembers)
        confirmedBy = try c.decodeIfPresent(ConfirmationOrigin.self, forKey: .confirmedBy)
        descriptors = try c.decodeIfPresent(Descriptors.self, forKey: .descriptors)
    }

    /// Every optional field is written, as null when absent, and `ranking_fitness` with them, so
    /// that scripts see one shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(generation, forKey: .generation)
        try c.encode(source, forKey: .source)
        try c.encode(parents, forKey: .parents)
        try c.encode(proposer, forKey: .proposer)
        try c.encode(status, forKey: .status)
        try c.encode(canonical, forKey: .canonical)
        try c.encode(fingerprint, forKey: .fingerprint)
        try c.encode(error, forKey: .error)
        try c.encode(duplicateOf, forKey: .duplicateOf)
        try c.encode(fitness, forKey: .fitness)
        try c.encode(stage, forKey: .stage)
        try c.encode(outcome, forKey: .outcome)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(members, forKey: .members)
        try c.encode(confirmedFitness, forKey: .confirmedFitness)
        try c.encode(confirmedDifference, forKey: .confirmedDifference)
        try c.encode(confirmedStandardError, forKey: .confirmedStandardError)
        try c.encode(confirmedMembers, forKey: .confirmedMembers)
        try c.encode(confirmedBy, forKey: .confirmedBy)
        try c.encode(descriptors, forKey: .descriptors)
        try c.encode(rankingFitness, forKey: .rankingFitness)
    }
}
