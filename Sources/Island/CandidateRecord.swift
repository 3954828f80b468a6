import Control
import Foundation
import GRDB
import Search

extension CandidateStatus: DatabaseValueConvertible {}

extension ConfirmationOrigin: DatabaseValueConvertible {}

extension ArchiveOutcome: DatabaseValueConvertible {
    /// The outcome of an insertion into the archive.
    init(_ insertion: InsertOutcome) {
        switch insertion {
        case .new: self = .new
        case .improved: self = .improved
        case .notAdded: self = .notAdded
        }
    }
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
    /// What entering the archive did.
    public var outcome: ArchiveOutcome?
    /// Each member's fitness and metrics at the search stage, as JSON (suites).
    public var members: String?
    /// Stage 3: the fitness on the confirmation seeds, its paired difference to the island's
    /// baseline and that difference's standard error; nil when not confirmed.
    public var confirmedFitness: Double?
    public var confirmedDifference: Double?
    public var confirmedStandardError: Double?
    /// Each member's stage-3 fitness and metrics, as JSON.
    public var confirmedMembers: String?
    /// Why it was trained at stage 3 (nil: not confirmed).
    public var confirmedBy: ConfirmationOrigin?
    public var createdAt: Double
    public var evaluatedAt: Double?

    /// Its size as an archive elite (``ReplacementRule``): the canonical form's length in characters,
    /// as the store's `length(canonical)` counts it (the form is ASCII); nil when it did not parse.
    public var size: Int? { canonical?.utf8.count }

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
        case confirmedStandardError = "confirmed_se", confirmedMembers = "confirmed_members", confirmedBy = "confirmed_by"
    }
}
