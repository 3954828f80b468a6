import Foundation
import GRDB

/// Where a candidate stands.
public enum CandidateStatus: String, Sendable, Codable, DatabaseValueConvertible, CaseIterable {
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

/// One row of the population: every candidate ever proposed, with its lineage and outcome.
public struct CandidateRecord: Sendable, Codable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "candidates"

    public var id: Int64?
    public var generation: Int
    public var name: String
    /// The source as proposed (either form).
    public var source: String
    /// The canonical compact form, when it parsed.
    public var canonical: String?
    public var fingerprint: String?
    /// Parent candidate ids, as JSON.
    public var parents: String
    /// `seed`, `mutation:<operator>`, `llm`, `migrant:<island>`.
    public var proposer: String
    public var status: CandidateStatus
    public var error: String?
    public var duplicateOf: Int64?
    public var fitness: Double?
    public var stage: Int?
    /// Metric means, as JSON.
    public var metrics: String?
    public var convexity: Double?
    public var grad0: Double?
    public var betaSensitivity: Double?
    /// `new`, `improved` or `not added`.
    public var outcome: String?
    /// Each member's fitness and metrics at the search stage, as JSON (suites).
    public var members: String?
    /// Stage 3: the fitness on the confirmation seeds, its paired difference to the island's
    /// baseline and that difference's standard error; nil when not confirmed.
    public var confirmedFitness: Double?
    public var confirmedDifference: Double?
    public var confirmedStandardError: Double?
    /// Each member's stage-3 fitness and metrics, as JSON.
    public var confirmedMembers: String?
    public var createdAt: Double
    public var evaluatedAt: Double?

    public init(generation: Int, name: String, source: String, parents: [Int64], proposer: String, status: CandidateStatus) {
        self.generation = generation
        self.name = name
        self.source = source
        self.parents = "[" + parents.map(String.init).joined(separator: ",") + "]"
        self.proposer = proposer
        self.status = status
        createdAt = Date().timeIntervalSince1970
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The fitness it is ranked by (best, emigrants, LLM examples): the confirmed one where there is one.
    public var rankingFitness: Double? { confirmedFitness ?? fitness }

    /// The ranking order: confirmed candidates first, by confirmed fitness, then the others by search
    /// fitness ("best" means best confirmed; a search fitness is biased upwards by selection).
    public var rankingKey: RankingKey { RankingKey(confirmed: confirmedFitness, search: fitness ?? -.infinity) }

    public var parentIDs: [Int64] {
        parents.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Int64($0) }
    }

    enum CodingKeys: String, CodingKey {
        case id, generation, name, source, canonical, fingerprint, parents, proposer, status, error
        case duplicateOf = "duplicate_of", fitness, stage, metrics, convexity, grad0
        case betaSensitivity = "beta_sensitivity", outcome, createdAt = "created_at", evaluatedAt = "evaluated_at"
        case members, confirmedFitness = "confirmed_fitness", confirmedDifference = "confirmed_difference"
        case confirmedStandardError = "confirmed_se", confirmedMembers = "confirmed_members"
    }
}

/// Confirmed before unconfirmed, then by fitness: the order of ``CandidateRecord/rankingKey``.
public struct RankingKey: Comparable, Sendable {
    public var confirmed: Bool
    public var fitness: Double

    public init(confirmed: Bool, fitness: Double) { (self.confirmed, self.fitness) = (confirmed, fitness) }

    /// The key of a candidate with this confirmed fitness (nil: not confirmed) and search fitness.
    public init(confirmed confirmedFitness: Double?, search: Double) {
        self.init(confirmed: confirmedFitness != nil, fitness: confirmedFitness ?? search)
    }

    public static func < (a: RankingKey, b: RankingKey) -> Bool {
        a.confirmed != b.confirmed ? !a.confirmed : a.fitness < b.fitness
    }
}
