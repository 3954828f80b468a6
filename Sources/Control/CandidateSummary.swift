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
    /// `seed`, `mutation:<operator>`, `llm`, `migrant:<island>`.
    public var proposer: String
    public var status: CandidateStatus
    public var error: String?
    public var duplicateOf: Int64?
    /// The search fitness (stage 1 or 2) and its stage.
    public var fitness: Double?
    public var stage: Int?
    public var outcome: ArchiveOutcome?
    public var metrics: [String: Double]?
    public var members: [MemberSummary]?
    /// Stage 3: fitness on the confirmation seeds, paired difference to the baseline and its SE.
    public var confirmedFitness: Double?
    public var confirmedDifference: Double?
    public var confirmedStandardError: Double?
    public var confirmedMembers: [MemberSummary]?
    /// Why it was trained at stage 3: in the top k, or drawn by the live audit.
    public var confirmedBy: ConfirmationOrigin?
    public var descriptors: DescriptorValues?

    public init(id: Int64, name: String, generation: Int, source: String, parents: [Int64], proposer: String, status: CandidateStatus) {
        (self.id, self.name, self.generation, self.source, self.parents, self.proposer, self.status) =
            (id, name, generation, source, parents, proposer, status)
    }

    /// The fitness it ranks by: the confirmed one where there is one.
    public var rankingFitness: Double? { confirmedFitness ?? fitness }

    /// Confirmed candidates first, by confirmed fitness; then the others by search fitness.
    public var rankingKey: RankingKey { RankingKey(confirmed: confirmedFitness, search: fitness ?? -.infinity) }

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
        (proposer, status) = (try c.decode(String.self, forKey: .proposer), try c.decode(CandidateStatus.self, forKey: .status))
        canonical = try c.decodeIfPresent(String.self, forKey: .canonical)
        fingerprint = try c.decodeIfPresent(String.self, forKey: .fingerprint)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        duplicateOf = try c.decodeIfPresent(Int64.self, forKey: .duplicateOf)
        fitness = try c.decodeIfPresent(Double.self, forKey: .fitness)
        stage = try c.decodeIfPresent(Int.self, forKey: .stage)
        outcome = try c.decodeIfPresent(ArchiveOutcome.self, forKey: .outcome)
        metrics = try c.decodeIfPresent([String: Double].self, forKey: .metrics)
        members = try c.decodeIfPresent([MemberSummary].self, forKey: .members)
        confirmedFitness = try c.decodeIfPresent(Double.self, forKey: .confirmedFitness)
        confirmedDifference = try c.decodeIfPresent(Double.self, forKey: .confirmedDifference)
        confirmedStandardError = try c.decodeIfPresent(Double.self, forKey: .confirmedStandardError)
        confirmedMembers = try c.decodeIfPresent([MemberSummary].self, forKey: .confirmedMembers)
        confirmedBy = try c.decodeIfPresent(ConfirmationOrigin.self, forKey: .confirmedBy)
        descriptors = try c.decodeIfPresent(DescriptorValues.self, forKey: .descriptors)
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

/// One suite member's fitness and metric means, as results keep them.
public struct MemberSummary: Codable, Sendable, Hashable {
    public var name: String
    public var weight: Double
    public var fitness: Double
    public var metrics: [String: Double]

    public init(name: String, weight: Double, fitness: Double, metrics: [String: Double]) {
        (self.name, self.weight, self.fitness, self.metrics) = (name, weight, fitness, metrics)
    }
}

/// The three loss-shape descriptors (docs/architecture.md §4).
public struct DescriptorValues: Codable, Sendable, Hashable {
    public var convexity: Double
    public var grad0: Double
    public var betaSensitivity: Double

    public init(convexity: Double, grad0: Double, betaSensitivity: Double) {
        (self.convexity, self.grad0, self.betaSensitivity) = (convexity, grad0, betaSensitivity)
    }

    enum CodingKeys: String, CodingKey { case convexity, grad0, betaSensitivity = "beta_sensitivity" }
}
