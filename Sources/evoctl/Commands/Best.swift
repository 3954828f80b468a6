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
        for row in rows {
            print(String(format: "%8.4f  island %d  #%@  %@  %@", row["fitness"] as? Double ?? .nan, row["island"] as? Int ?? 0,
                         "\(row["id"] ?? "?")", "\(row["name"] ?? "?")", "\(row["canonical"] ?? "")"))
        }
    }

    /// The best `top` losses of the islands that answer, best first, each tagged with its island.
    static func collect(_ options: ClusterOptions, _ config: ClusterConfig, top: Int, island: Int?) -> [[String: Any]] {
        var rows: [[String: Any]] = []
        for entry in config.islands where island == nil || entry.id == island {
            guard let (client, _) = try? options.client(config, island: entry.id),
                  let best = try? client.request(["command": "best", "top": top]) as? [[String: Any]] else { continue }
            rows += best.map { var row = $0; row["island"] = entry.id; return row }
        }
        rows.sort { ($0["fitness"] as? Double ?? -.infinity) > ($1["fitness"] as? Double ?? -.infinity) }
        return Array(rows.prefix(top))
    }
}
