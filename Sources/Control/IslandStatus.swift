import Model

/// An island's answer to `status`: its run state, generation, archive, best, counters, proposer,
/// evaluator and fault (`evoctl status`, the reset logic, the dashboard).
public struct IslandStatus: Codable, Sendable, Hashable {
    public var id: Int
    public var state: IslandState
    public var generation: Int
    /// Candidates ever proposed.
    public var population: Int
    public var archive: ArchiveSummary
    /// The best candidate: the best confirmed one, else the best elite by search fitness.
    public var best: BestSummary?
    public var evaluations: EvaluationCounts
    public var proposals: ProposalCounts
    public var migration: MigrationCounts
    public var proposer: ProposerStatus
    public var evaluator: EvaluatorStatus
    /// What keeps the island from running its generations, while it lasts.
    public var fault: Fault?
    /// Warnings about its configuration that do not stop it (a promotion threshold that would
    /// starve stage 2); nil when there are none.
    public var warnings: [String]?
    /// The live proxy audit; nil when the island audits nothing.
    public var audit: AuditStatus?
    /// Stage 3's task when it is another task than stage 2's (a cascade: real training, say); its
    /// fitness is what a confirmed best's is.
    public var confirmationTask: String?
    public var uptimeSeconds: Double
    /// Malformed control messages received (counted and dropped).
    public var droppedMessages: Int
    /// CURVE or plain sockets, and the connections refused.
    public var security: SecurityStatus
    /// Its host, pid and Slurm job.
    public var placement: Placement?

    public init(
        id: Int, state: IslandState, generation: Int, population: Int, archive: ArchiveSummary, best: BestSummary?,
        evaluations: EvaluationCounts, proposals: ProposalCounts, migration: MigrationCounts, proposer: ProposerStatus,
        evaluator: EvaluatorStatus, fault: Fault?, uptimeSeconds: Double, droppedMessages: Int,
        security: SecurityStatus = SecurityStatus(mode: .plain, refusedConnections: 0), warnings: [String] = [], audit: AuditStatus? = nil
    ) {
        (self.id, self.state, self.generation, self.population, self.archive, self.best) = (id, state, generation, population, archive, best)
        (self.evaluations, self.proposals, self.migration, self.proposer) = (evaluations, proposals, migration, proposer)
        (self.evaluator, self.fault, self.uptimeSeconds, self.droppedMessages) = (evaluator, fault, uptimeSeconds, droppedMessages)
        self.security = security
        self.warnings = warnings.isEmpty ? nil : warnings
        self.audit = audit
        placement = .current()
    }

    enum CodingKeys: String, CodingKey {
        case id, state, generation, population, archive, best, evaluations, proposals, migration, proposer, evaluator, fault, warnings, security, placement
        case audit, confirmationTask = "confirmation_task"
        case uptimeSeconds = "uptime_s", droppedMessages = "dropped_messages"
    }
}

/// An island's run state as the control plane sets it.
public enum IslandState: String, Codable, Sendable, Hashable, CaseIterable {
    case running, paused, stopping
}

/// The archive in four numbers.
public struct ArchiveSummary: Codable, Sendable, Hashable {
    public var filled: Int
    public var cells: Int
    public var coverage: Double
    public var qdScore: Double

    public init(filled: Int, cells: Int, coverage: Double, qdScore: Double) {
        (self.filled, self.cells, self.coverage, self.qdScore) = (filled, cells, coverage, qdScore)
    }

    enum CodingKeys: String, CodingKey { case filled, cells, coverage, qdScore = "qd_score" }
}

/// The island's best candidate in status.
public struct BestSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var name: String
    /// The fitness it ranks by: confirmed where it is confirmed, else its search fitness.
    public var fitness: Double
    public var searchFitness: Double?
    public var confirmed: Bool

    public init(id: Int64, name: String, fitness: Double, searchFitness: Double?, confirmed: Bool) {
        (self.id, self.name, self.fitness, self.searchFitness, self.confirmed) = (id, name, fitness, searchFitness, confirmed)
    }

    enum CodingKeys: String, CodingKey { case id, name, fitness, searchFitness = "search_fitness", confirmed }
}

/// Evaluations by how they ended; `inflight` are the pending candidates.
public struct EvaluationCounts: Codable, Sendable, Hashable {
    public var done = 0, inflight = 0, failed = 0, cached = 0
    /// Stage-3 confirmations of the top k, and those that failed (audits' failures too).
    public var confirmed = 0, confirmationFailed = 0
    /// Stage-3 evaluations the live audit drew.
    public var audited = 0

    public init() {}

    enum CodingKeys: String, CodingKey { case done, inflight, failed, cached, confirmed, confirmationFailed = "confirmation_failed", audited }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        (done, inflight, failed) = (try c.decode(Int.self, forKey: .done), try c.decode(Int.self, forKey: .inflight), try c.decode(Int.self, forKey: .failed))
        cached = try c.decode(Int.self, forKey: .cached)
        confirmed = try c.decodeIfPresent(Int.self, forKey: .confirmed) ?? 0
        confirmationFailed = try c.decodeIfPresent(Int.self, forKey: .confirmationFailed) ?? 0
        audited = try c.decodeIfPresent(Int.self, forKey: .audited) ?? 0
    }
}

/// Proposals by stage-0 outcome.
public struct ProposalCounts: Codable, Sendable, Hashable {
    public var valid = 0, invalid = 0, duplicate = 0

    public init() {}
}

/// Migration counters: messages' candidates sent, received, accepted and rejected; messages dropped;
/// FunSearch resets.
public struct MigrationCounts: Codable, Sendable, Hashable {
    public var sent = 0, received = 0, accepted = 0, rejected = 0, dropped = 0, resets = 0

    public init() {}
}

/// Where evaluations run, and whether the farm answers.
public struct EvaluatorStatus: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable { case local, farm }
    public enum Reachability: String, Codable, Sendable, Hashable { case answering, unreachable }

    public var kind: Kind
    /// For the farm: whether it answers; nil for local evaluation.
    public var state: Reachability?
    /// How long the farm has been unreachable, and where it was asked.
    public var unreachableSeconds: Double?
    public var endpoint: String?

    public init(kind: Kind, state: Reachability? = nil, unreachableSeconds: Double? = nil, endpoint: String? = nil) {
        (self.kind, self.state, self.unreachableSeconds, self.endpoint) = (kind, state, unreachableSeconds, endpoint)
    }

    public static let local = EvaluatorStatus(kind: .local)

    enum CodingKeys: String, CodingKey { case kind, state, unreachableSeconds = "unreachable_s", endpoint }
}

/// What stopped the island's generations, and for how long so far.
public struct Fault: Codable, Sendable, Hashable {
    public var error: String
    public var seconds: Double

    public init(error: String, seconds: Double) { (self.error, self.seconds) = (error, seconds) }
}
