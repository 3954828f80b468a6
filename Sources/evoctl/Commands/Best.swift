import ArgumentParser
import Cluster
import Control
import Foundation

/// `evoctl best [--top N] [--island N] [--json]`: the best losses across islands.
struct Best: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the best losses of the cluster (or of one island).")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "How many.") var top = 10
    @Option(help: "Only this island.") var island: Int?
    @Flag(help: "Print JSON.") var json = false

    /// One line of the list: a candidate and its island. In JSON, the candidate with `island` added.
    struct Row: Encodable {
        var island: Int
        var candidate: CandidateSummary

        func encode(to encoder: any Encoder) throws {
            try candidate.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(island, forKey: .island)
        }

        private enum Key: String, CodingKey { case island }
    }

    func run() throws {
        let rows = Self.collect(cluster, try cluster.loadCluster(), top: top, island: island)
        if json { print(ClusterOptions.json(rows)); return }
        if rows.isEmpty { print("no evaluated losses yet (or no island answered)") }
        if !rows.isEmpty { print("confirmed candidates first, by confirmed fitness (stage 3, confirmation seeds); then the others by search fitness (stage 1 or 2)") }
        for row in rows {
            let c = row.candidate
            let confirmed = c.confirmedFitness.map { "confirmed \(ReportFormat.fixed($0))" } ?? "unconfirmed"
            let difference = c.confirmedDifference.map { d in " (\(ReportFormat.signed(d)) ± \(ReportFormat.fixed(c.confirmedStandardError ?? .nan)) vs baseline)" } ?? ""
            print(
                "\(ReportFormat.fixed(c.rankingFitness ?? .nan))  island \(row.island)  #\(c.id)  \(c.name)  search \(ReportFormat.fixed(c.fitness ?? .nan)), \(confirmed)\(difference)  \(c.canonical ?? "")"
            )
        }
    }

    /// The best `top` losses of the islands that answer (asked at once), best first, each tagged
    /// with its island and listed once.
    static func collect(_ options: ClusterOptions, _ config: ClusterConfig, top: Int, island: Int?) -> [Row] {
        let answers = (try? options.askEveryIsland(config) { client throws(ControlError) in try client.best(top: top) }) ?? []
        var rows = answers.filter { island == nil || $0.id == island }.flatMap { id, answer in
            ((try? answer.get()) ?? []).map { Row(island: id, candidate: $0) }
        }
        rows.sort { $0.candidate.rankingKey > $1.candidate.rankingKey }
        // The same loss on several islands (seeds, migrants) is listed once, where it ranks best.
        var seen = Set<String>()
        rows = rows.filter { row in row.candidate.fingerprint.map { seen.insert($0).inserted } ?? true }
        return Array(rows.prefix(top))
    }
}
