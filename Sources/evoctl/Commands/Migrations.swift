import ArgumentParser
import Control
import Foundation

/// `evoctl migrations [--json]`: the migration log of every island, summed by peer and outcome.
struct Migrations: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarise every island's migration log: what it sent to and received from each peer.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Print {\"islands\": [{\"id\", \"migrations\": [...]} or {\"id\", \"error\"}]} as JSON.")
    var json = false

    /// One island's log, or why it did not answer.
    struct IslandLog: Encodable {
        var id: Int
        var migrations: [MigrationFlow]?
        var error: String?
    }

    func run() throws {
        let config = try cluster.loadCluster()
        let islands = try cluster.askEveryIsland(config) { client throws(ControlError) in try client.migrations() }.map { id, answer in
            switch answer {
            case let .success(flows): IslandLog(id: id, migrations: flows)
            case let .failure(error): IslandLog(id: id, error: "\(error)")
            }
        }
        if json {
            print(ClusterOptions.json(["islands": islands]))
            return
        }
        for island in islands {
            guard let flows = island.migrations else {
                print("island \(island.id): \(island.error ?? "no answer")")
                continue
            }
            if flows.isEmpty { print("island \(island.id): no migrations") }
            for flow in flows {
                let outcomes = flow.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print(
                    "island \(island.id) \(flow.direction == .sent ? "->" : "<-") island \(flow.peer): \(flow.messages) messages, \(flow.candidates) candidates (\(outcomes))"
                )
            }
        }
    }
}
