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
        let config = try cluster.loadCluster()
        var rows: [[String: Any]] = []
        for entry in config.islands where island == nil || entry.id == island {
            let (client, _) = try cluster.client(config, island: entry.id)
            guard let best = try? client.request(["command": "best", "top": top]) as? [[String: Any]] else { continue }
            rows += best.map { var row = $0; row["island"] = entry.id; return row }
        }
        rows.sort { ($0["fitness"] as? Double ?? -.infinity) > ($1["fitness"] as? Double ?? -.infinity) }
        rows = Array(rows.prefix(top))
        if json { print(ClusterOptions.json(rows)); return }
        for row in rows {
            print(String(format: "%8.4f  island %d  #%@  %@  %@", row["fitness"] as? Double ?? .nan, row["island"] as? Int ?? 0,
                         "\(row["id"] ?? "?")", "\(row["name"] ?? "?")", "\(row["canonical"] ?? "")"))
        }
    }
}
