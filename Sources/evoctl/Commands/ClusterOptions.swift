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
        return (
            ControlClient(endpoint: entry.control, timeoutMilliseconds: Int32(timeout * 1000)),
            ControlToken.read(from: cluster.stateDirectory(forIsland: id))
        )
    }

    /// Sends `request` to every island of the config at once; each answer, or the error that came
    /// instead, in the config's order. Down islands cost one timeout in all, not one each.
    func askEveryIsland(_ cluster: ClusterConfig, _ request: [String: Any]) throws -> [(id: Int, answer: Result<Any, any Error>)] {
        let clients = try cluster.islands.map { try client(cluster, island: $0.id).0 }
        let json = try JSONSerialization.data(withJSONObject: request)
        let answers = Answers(count: clients.count)
        // A thread per island: the requests block on their sockets, and concurrentPerform would run
        // only as many at once as there are cores.
        let done = DispatchGroup()
        for index in clients.indices {
            done.enter()
            Thread.detachNewThread {
                answers.set(
                    index,
                    Result<Any, any Error> {
                        try clients[index].request(try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:])
                    })
                done.leave()
            }
        }
        done.wait()
        return cluster.islands.indices.map { (cluster.islands[$0].id, answers.get($0)) }
    }

    /// The islands' answers as the concurrent requests fill them in (JSON objects are not Sendable).
    private final class Answers: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<Any, any Error>]

        init(count: Int) { results = Array(repeating: .failure(CommandFailure("no answer")), count: count) }

        func set(_ index: Int, _ result: Result<Any, any Error>) { lock.withLock { results[index] = result } }
        func get(_ index: Int) -> Result<Any, any Error> { lock.withLock { results[index] } }
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
