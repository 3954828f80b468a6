import Foundation
import LossDescriptors
import Model
import Wire

/// Elites sent from one island to another (docs/architecture.md §7): a versioned envelope with the source
/// island, its sequence number and task hash, and each candidate with its evidence and lineage.
public struct MigrantMessage: Codable, Sendable, EnvelopeMessage {
    public static let types: Set<String> = ["migrants"]
    public var v = Envelope.version
    public var type = "migrants"
    public var source: Int
    public var sequence: Int
    public var taskHash: String
    /// Unix time of sending, for the migration-latency measurement.
    public var sentAt: Double
    public var candidates: [Migrant]

    public init(source: Int, sequence: Int, taskHash: String, sentAt: Double, candidates: [Migrant]) {
        (self.source, self.sequence, self.taskHash, self.sentAt, self.candidates) = (source, sequence, taskHash, sentAt, candidates)
    }

    enum CodingKeys: String, CodingKey { case v, type, source, sequence, taskHash = "task_hash", sentAt = "sent_at", candidates }
}

/// One emigrant: its loss (compact source, parsed on arrival), what its home island measured, and
/// where it came from.
public struct Migrant: Codable, Sendable, Hashable {
    public var source: String
    public var fingerprint: String
    public var fitness: Double
    public var stage: Stage
    public var metrics: [String: Double]
    public var descriptors: Descriptors
    public var lineage: Lineage

    public struct Lineage: Codable, Sendable, Hashable {
        public var island: Int
        public var id: Int64
        public var name: String
        public var parents: [Int64]
        public var proposer: ProposalOrigin
        public var generation: Int
    }
}

/// What became of one received migrant message.
public struct ImmigrationReport: Sendable, Hashable {
    public var received = 0
    public var accepted = 0
    public var rejected = 0
    /// Why each rejected migrant was rejected (verification failures and duplicates).
    public var reasons: [String] = []
}
