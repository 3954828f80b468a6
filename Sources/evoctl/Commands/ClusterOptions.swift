import ArgumentParser
import Cluster
import Control
import ControlPlane
import Foundation
import Model

/// The cluster config and island selection shared by the cluster commands.
struct ClusterOptions: ParsableArguments {
    @Option(help: "The cluster config.")
    var config = "configs/cluster.toml"

    @Option(help: "Seconds to wait for each island's answer.")
    var timeout: Double = 3

    func loadCluster() throws -> ClusterConfig {
        do { return try ClusterConfig.load(path: config) } catch { throw CommandFailure("\(error)") }
    }

    /// The cluster's control endpoints with its key (unless `curve = false`) and this timeout.
    func access(_ cluster: ClusterConfig, timeoutMilliseconds: Int32? = nil) throws -> ClusterAccess {
        do { return try ClusterAccess(cluster: cluster, timeoutMilliseconds: timeoutMilliseconds ?? milliseconds) } catch {
            throw CommandFailure("\(error)")
        }
    }

    /// A client for island `id`, with the token from its state directory when there is one.
    func client(_ cluster: ClusterConfig, island id: Int) throws -> (ControlClient, token: String?) {
        guard let entry = cluster.entry(forIsland: id) else {
            throw ValidationError("\(config): there is no island \(id) (the config lists \(cluster.islands.count))")
        }
        return (try access(cluster).client(for: entry), ControlToken.read(from: cluster.stateDirectory(forIsland: id)))
    }

    /// The timeout of each request.
    var milliseconds: Int32 { Int32(clamping: Int((timeout * 1000).rounded())) }

    /// Asks every island of the config at once; each answer, or the error that came instead, in the
    /// config's order. Down islands cost one timeout in all, not one each.
    func askEveryIsland<Answer: Sendable>(
        _ cluster: ClusterConfig, _ ask: @escaping @Sendable (ControlClient) throws(ControlError) -> Answer
    ) throws -> [(id: Int, answer: Result<Answer, ControlError>)] {
        let clients = cluster.islands.map(try access(cluster).client(for:))
        let answers = ControlClient.concurrently(clients) { client in Result { () throws(ControlError) in try ask(client) } }
        return zip(cluster.islands, answers).map { ($0.id, $1) }
    }

    /// The candidate named on the command line: `best` (the cluster's best, confirmed first) or a
    /// numeric id on `island`; its island and record.
    func candidate(_ argument: String, island: Int, in config: ClusterConfig) throws -> (island: Int, candidate: CandidateSummary) {
        if argument == "best" {
            guard let best = BestRow.collect(try access(config), top: 1).first else {
                throw CommandFailure("no island answered with an evaluated loss")
            }
            return (best.island, best.candidate)
        }
        guard let id = Int64(argument) else { throw ValidationError("the candidate id must be a number or `best`, got '\(argument)'") }
        let (client, _) = try client(config, island: island)
        do { return (island, try client.show(id: id)) } catch { throw CommandFailure("\(error)") }
    }

    /// Pretty JSON for `--json` output.
    static func json<Value: Encodable>(_ value: Value) -> String {
        let encoder = ControlCoding.encoder
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
