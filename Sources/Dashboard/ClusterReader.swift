import Cluster
import Control
import ControlPlane
import Hummingbird

/// Reads a running cluster for the dashboard through the islands' and the farm's control endpoints
/// (so it works from any host that reaches them); every failure becomes an HTTP error that says
/// what went wrong: 404 for what does not exist, 502 for a peer that does not answer.
struct ClusterReader: Sendable {
    let access: ClusterAccess
    var cluster: ClusterConfig { access.cluster }

    func report() -> ClusterReport { ClusterReport.ask(access) }

    /// Asks island `id`.
    func ask<Answer>(island id: Int, _ question: (ControlClient) throws(ControlError) -> Answer) throws(HTTPError) -> Answer {
        guard let entry = cluster.entry(forIsland: id) else {
            throw HTTPError(.notFound, message: "there is no island \(id) (the cluster has \(cluster.islands.count))")
        }
        do {
            return try question(access.client(for: entry))
        } catch {
            switch error {
            case let .refused(reason) where reason.hasPrefix("no candidate"): throw HTTPError(.notFound, message: reason)
            case let .refused(reason): throw HTTPError(.badRequest, message: reason)
            default: throw HTTPError(.badGateway, message: "\(error)")
            }
        }
    }

    /// Every island's answer at once, in the config's order (nil where it did not answer).
    func askEveryIsland<Answer: Sendable>(_ question: @escaping @Sendable (ControlClient) throws(ControlError) -> Answer) -> [(id: Int, answer: Answer?)] {
        let clients = cluster.islands.map(access.client(for:))
        let answers = ControlClient.concurrently(clients) { client in try? question(client) }
        return zip(cluster.islands, answers).map { ($0.id, $1) }
    }

    /// The cluster's best `top` losses, confirmed first, each listed once.
    func best(top: Int) -> [BestRow] { BestRow.collect(access, top: top) }
}
