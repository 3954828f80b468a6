import ArgumentParser
import Foundation
import Island

/// `evoctl migrations [--json]`: the migration log of every island, summed by peer and outcome.
struct Migrations: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarise every island's migration log: what it sent to and received from each peer.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Print {\"islands\": [{\"id\", \"migrations\": [...]}]} as JSON.")
    var json = false

    func run() throws {
        let config = try cluster.loadCluster()
        let islands = try cluster.askEveryIsland(config, ["command": "migrations"]).map { id, answer -> [String: Any] in
            switch answer {
            case let .success(log): ["id": id, "migrations": log]
            case let .failure(error): ["id": id, "error": "\(error)"]
            }
        }
        if json {
            print(ClusterOptions.json(["islands": islands]))
            return
        }
        for island in islands {
            let id = island["id"] as? Int ?? 0
            guard let groups = island["migrations"] as? [[String: Any]] else {
                print("island \(id): \(island["error"] ?? "no answer")")
                continue
            }
            if groups.isEmpty { print("island \(id): no migrations") }
            for group in groups {
                let direction = group["direction"] as? String ?? "?"
                let outcomes = (group["outcomes"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print(
                    "island \(id) \(direction == "sent" ? "->" : "<-") island \(group["peer"] ?? "?"): \(group["messages"] ?? 0) messages, \(group["candidates"] ?? 0) candidates (\(outcomes))"
                )
            }
        }
    }
}
