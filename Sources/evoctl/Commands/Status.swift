import ArgumentParser
import Foundation
import Island

/// `evoctl status [--json]`: every island of the config (and, later, the farm).
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every island of the cluster: state, generation, archive, best, counters.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Print {\"islands\": [...], \"farm\": null} as JSON.")
    var json = false

    func run() throws {
        let config = try cluster.loadCluster()
        var islands: [[String: Any]] = []
        for entry in config.islands {
            let (client, _) = try cluster.client(config, island: entry.id)
            do {
                if let status = try client.request(["command": "status"]) as? [String: Any] { islands.append(status) }
            } catch {
                islands.append(["id": entry.id, "state": "down", "error": "\(error)"])
            }
        }
        if json {
            print(ClusterOptions.json(["islands": islands, "farm": NSNull()]))
            return
        }
        print("island  state     gen   pop  archive         coverage  qd_score  best")
        for island in islands {
            let id = island["id"] as? Int ?? 0
            let state = island["state"] as? String ?? "?"
            guard state != "down" else { print(String(format: "%6d  %@", id, "down      \(island["error"] ?? "")")); continue }
            let archive = island["archive"] as? [String: Any] ?? [:]
            let best = island["best"] as? [String: Any]
            let bestText = best.map { "\($0["name"] ?? "?") (#\($0["id"] ?? "?")) \(String(format: "%.4f", $0["fitness"] as? Double ?? .nan))" } ?? "-"
            print(String(format: "%6d  %@ %5d %5d  %4d / %-6d  %7.3f  %8.3f  %@", id, state.padding(toLength: 9, withPad: " ", startingAt: 0),
                         island["generation"] as? Int ?? 0, island["population"] as? Int ?? 0, archive["filled"] as? Int ?? 0,
                         archive["cells"] as? Int ?? 0, archive["coverage"] as? Double ?? 0, archive["qd_score"] as? Double ?? 0, bestText))
        }
    }
}
