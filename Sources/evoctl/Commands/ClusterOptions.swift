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
        do { return try ClusterConfig.load(path: config) } catch { throw ValidationError("\(error)") }
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

    static func json(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
