import ArgumentParser
import Foundation
import Island

/// `evoctl best [--top N] [--island N] [--json]`: the best losses across islands.
struct Best: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the best losses of the cluster (or of one island).")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "How many.") var top = 10
    @Option(help: "Only this island.") var island: Int?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let rows = Self.collect(cluster, try cluster.loadCluster(), top: top, island: island)
        if json { print(ClusterOptions.json(rows)); return }
        if rows.isEmpty { print("no evaluated losses yet (or no island answered)") }
        if !rows.isEmpty { print("confirmed candidates first, by confirmed fitness (stage 3, confirmation seeds); then the others by search fitness (stage 1 or 2)") }
        for row in rows {
            let confirmed = (row["confirmed_fitness"] as? Double).map { "confirmed \(ReportFormat.fixed($0))" } ?? "unconfirmed"
            let difference =
                (row["confirmed_difference"] as? Double).map { d in
                    " (\(ReportFormat.signed(d)) ± \(ReportFormat.fixed(row["confirmed_se"] as? Double ?? .nan)) vs baseline)"
                } ?? ""
            print(
                "\(ReportFormat.fixed(Self.rank(row).fitness))  island \(row["island"] ?? "?")  #\(row["id"] ?? "?")  \(row["name"] ?? "?")  search \(ReportFormat.fixed(row["fitness"] as? Double ?? .nan)), \(confirmed)\(difference)  \(row["canonical"] ?? "")"
            )
        }
    }

    /// The best `top` losses of the islands that answer, best first, each tagged with its island and
    /// listed once.
    static func collect(_ options: ClusterOptions, _ config: ClusterConfig, top: Int, island: Int?) -> [[String: Any]] {
        var rows: [[String: Any]] = []
        for entry in config.islands where island == nil || entry.id == island {
            guard let (client, _) = try? options.client(config, island: entry.id),
                let best = try? client.request(["command": "best", "top": top]) as? [[String: Any]]
            else { continue }
            rows += best.map {
                var row = $0; row["island"] = entry.id; return row
            }
        }
        rows.sort { rank($0) > rank($1) }
        // The same loss on several islands (seeds, migrants) is listed once, where it ranks best.
        var seen = Set<String>()
        rows = rows.filter { row in (row["fingerprint"] as? String).map { seen.insert($0).inserted } ?? true }
        return Array(rows.prefix(top))
    }

    /// Confirmed candidates first, by confirmed fitness; then the others by search fitness.
    static func rank(_ row: [String: Any]) -> RankingKey {
        RankingKey(confirmed: row["confirmed_fitness"] as? Double, search: row["fitness"] as? Double ?? -.infinity)
    }
}
