import ArgumentParser
import Foundation
import Island

/// The cluster config and island selection shared by the cluster commands.
struct ClusterOptions: ParsableArguments {
    @Option(help: "The cluster config.")
    var config = "configs/cluster.toml"

    @Option(help: "Seconds to wait for each island's answer.")
    var timeout: Double = 3

    func loadCluster() throws -> ClusterConfig {
        do { return try ClusterConfig.load(path: config) } catch { throw CommandFailure("\(error)") }
    }

    /// A client for island `id`, with the token from its state directory when there is one.
    func client(_ cluster: ClusterConfig, island id: Int) throws -> (ControlClient, token: String?) {
        guard let entry = cluster.entry(forIsland: id) else {
            throw ValidationError("\(config): there is no island \(id) (the config lists \(cluster.islands.count))")
        }
        return (ControlClient(endpoint: entry.control, timeoutMilliseconds: Int32(timeout * 1000)),
                ControlToken.read(from: cluster.stateDirectory(forIsland: id)))
    }

    /// Sends `request` to every island of the config; each answer, or the error that came instead.
    func askEveryIsland(_ cluster: ClusterConfig, _ request: [String: Any]) throws -> [(id: Int, answer: Result<Any, any Error>)] {
        try cluster.islands.map { entry in
            let (client, _) = try client(cluster, island: entry.id)
            return (entry.id, Result { try client.request(request) })
        }
    }

    /// The candidate named on the command line: `best` (the cluster's best, confirmed first) or a
    /// numeric id on `island`; its island, id and `show` record.
    func candidate(_ argument: String, island: Int, in config: ClusterConfig) throws -> (island: Int, id: Int64, record: [String: Any]) {
        var (islandID, candidateID) = (island, Int64(argument))
        if argument == "best" {
            guard let best = Best.collect(self, config, top: 1, island: nil).first else {
                throw CommandFailure("no island answered with an evaluated loss")
            }
            (islandID, candidateID) = (best["island"] as? Int ?? 1, (best["id"] as? NSNumber)?.int64Value)
        }
        guard let candidateID else { throw ValidationError("the candidate id must be a number or `best`, got '\(argument)'") }
        let (client, _) = try client(config, island: islandID)
        do {
            return (islandID, candidateID, try client.request(["command": "show", "id": candidateID]) as? [String: Any] ?? [:])
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    static func json(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
