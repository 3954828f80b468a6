import Control
import Evaluation
import Foundation
import GRDB
import LossLanguage
import Model
import Search

extension CandidateStatus: DatabaseValueConvertible {}

extension ConfirmationOrigin: DatabaseValueConvertible {}

extension ArchiveOutcome: DatabaseValueConvertible {}

extension Stage: DatabaseValueConvertible {}

/// Stored as its text (`seed`, `mutation:<operator>`, `llm`, `migrant:<island>`), as scripts read it.
extension ProposalOrigin: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> ProposalOrigin? {
        String.fromDatabaseValue(dbValue).flatMap(ProposalOrigin.init(rawValue:))
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
    /// Parent candidate ids (a JSON array in the column).
    public var parents: [Int64]
    /// Where it came from.
    public var proposer: ProposalOrigin
    /// The scheduler's emitter that made it, nil when the island has no scheduler.
    public var emitter: String?
    /// How many later proposals repeated it exactly (counted instead of stored as rows).
    public var repeats: Int = 0
    public var status: CandidateStatus
    public var error: String?
    public var duplicateOf: Int64?
    public var fitness: Double?
    public var stage: Stage?
    /// Metric means (a JSON object in the column; non-finite values as "nan", "inf", "-inf").
    public var metrics: [String: Double]?
    public var convexity: Double?
    public var grad0: Double?
    public var betaSensitivity: Double?
    /// What entering the archive did.
    public var outcome: ArchiveOutcome?
    /// Each member's fitness and metrics at the search stage (suites; JSON in the column).
    public var members: [MemberResult]?
    /// Its search-stage fitness per member and seed, which the archive's parsimony rule pairs with
    /// an elite's (JSON in the column; nil in rows written before it).
    public var seedScores: SeedScores?
    /// Stage 3: the fitness on the confirmation seeds, its paired difference to the island's
    /// baseline and that difference's standard error; nil when not confirmed.
    public var confirmedFitness: Double?
    public var confirmedDifference: Double?
    public var confirmedStandardError: Double?
    /// Each member's stage-3 fitness and metrics (JSON in the column).
    public var confirmedMembers: [MemberResult]?
    /// Why it was trained at stage 3 (nil: not confirmed).
    public var confirmedBy: ConfirmationOrigin?
    public var createdAt: Double
    public var evaluatedAt: Double?

    /// Its size as an archive elite (``ReplacementRule``): the nodes of its canonical graph
    /// (``LossGraph/size``: a constant's digits do not count); nil when it has none.
    public var size: Int? { canonical.flatMap(Self.size(ofCanonical:)) }

    /// The size of a canonical form, nil when it does not parse.
    public static func size(ofCanonical canonical: String) -> Int? { try? LossParser.parse(canonical).graph.size }

    public init(generation: Int, name: String, source: String, parents: [Int64], proposer: ProposalOrigin, status: CandidateStatus) {
        self.generation = generation
        self.name = name
        self.source = source
        self.parents = parents
        self.proposer = proposer
        self.status = status
        createdAt = Date().timeIntervalSince1970
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The ranking order: confirmed candidates first, by confirmed fitness, then the others by search
    /// fitness ("best" means best confirmed; a search fitness is biased upwards by selection).
    public var rankingKey: RankingKey { RankingKey(confirmed: confirmedFitness, search: fitness) }

    /// The JSON columns keep non-finite numbers as the strings the control protocol uses.
    public static func databaseJSONEncoder(for column: String) -> JSONEncoder { IslandStore.jsonEncoder }
    public static func databaseJSONDecoder(for column: String) -> JSONDecoder { IslandStore.jsonDecoder }

    enum CodingKeys: String, CodingKey {
        case id, generation, name, source, canonical, fingerprint, parents, proposer, emitter, repeats, status, error
        case duplicateOf = "duplicate_of", fitness, stage, metrics, convexity, grad0
        case betaSensitivity = "beta_sensitivity", outcome, createdAt = "created_at", evaluatedAt = "evaluated_at"
        case members, seedScores = "seed_scores", confirmedFitness = "confirmed_fitness", confirmedDifference = "confirmed_difference"
        case confirmedStandardError = "confirmed_se", confirmedMembers = "confirmed_members", confirmedBy = "confirmed_by"
    }
}
