import Cluster
import Control
import Model

/// One of the cluster's best losses: a candidate with its island (`evoctl best`, `/api/best`). In
/// JSON, the candidate with `island` added.
public struct BestRow: Encodable, Sendable {
    public var island: Int
    public var candidate: CandidateSummary

    public init(island: Int, candidate: CandidateSummary) { (self.island, self.candidate) = (island, candidate) }

    public func encode(to encoder: any Encoder) throws {
        try candidate.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(island, forKey: .island)
    }

    private enum Key: String, CodingKey { case island }

    /// The best `top` losses of the islands that answer (asked at once; only `island` when given),
    /// best first: confirmed candidates by confirmed fitness, then the others by search fitness.
    /// The same loss on several islands (seeds, migrants) is listed once, where it ranks best.
    public static func collect(_ access: ClusterAccess, top: Int, island: Int? = nil) -> [BestRow] {
        let entries = access.cluster.islands.filter { island == nil || $0.id == island }
        let clients = entries.map(access.client(for:))
        let answers = ControlClient.concurrently(clients) { client in (try? client.best(top: top)) ?? [] }
        var rows = zip(entries, answers).flatMap { entry, best in best.map { BestRow(island: entry.id, candidate: $0) } }
        rows.sort { $0.candidate.rankingKey > $1.candidate.rankingKey }
        var seen = Set<String>()
        rows = rows.filter { row in row.candidate.fingerprint.map { seen.insert($0).inserted } ?? true }
        return Array(rows.prefix(top))
    }
}
