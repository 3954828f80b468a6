import Cluster
import Control
import ControlPlane
import Foundation

/// What `evoctl status` and the dashboard's `/api/status` report: every island's status and the
/// farm's, asked all at once (a down peer costs one timeout in all). In JSON,
/// `{"islands": [...], "farm": {...} | null}`, a down peer as `{"state": "down", "error": ...}`
/// (with its `id` for an island).
public struct ClusterReport: Encodable, Sendable {
    public enum Island: Encodable, Sendable {
        case up(IslandStatus)
        case down(id: Int, error: String)

        public var id: Int {
            switch self {
            case let .up(status): status.id
            case let .down(id, _): id
            }
        }

        public var status: IslandStatus? {
            if case let .up(status) = self { return status }
            return nil
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case let .up(status): try status.encode(to: encoder)
            case let .down(id, error): try Down(id: id, error: error).encode(to: encoder)
            }
        }
    }

    public enum Farm: Encodable, Sendable {
        case up(FarmStatus)
        case down(error: String)

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case let .up(status): try status.encode(to: encoder)
            case let .down(error): try Down(id: nil, error: error).encode(to: encoder)
            }
        }
    }

    private struct Down: Encodable {
        var id: Int?
        var state = "down"
        var error: String
    }

    public var islands: [Island]
    /// Nil when the cluster evaluates locally (no farm to ask).
    public var farm: Farm?

    public init(islands: [Island], farm: Farm?) { (self.islands, self.farm) = (islands, farm) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(islands, forKey: .islands)
        try container.encode(farm, forKey: .farm)
    }

    private enum CodingKeys: String, CodingKey { case islands, farm }

    /// Asks every island and the farm (when the config uses one), all at once.
    public static func ask(_ access: ClusterAccess) -> ClusterReport {
        var peers = access.cluster.islands.map(access.client(for:))
        if access.cluster.evaluator == .farm { peers.append(access.farmClient) }
        let answers = ControlClient.concurrently(peers) { client -> Result<Either, ControlError> in
            Result { () throws(ControlError) in
                if case .farm = client.peer { return .farm(try client.farmStatus()) }
                return .island(try client.status())
            }
        }
        var report = ClusterReport(islands: [], farm: nil)
        for (client, answer) in zip(peers, answers) {
            switch (client.peer, answer) {
            case let (_, .success(.island(status))): report.islands.append(.up(status))
            case let (_, .success(.farm(status))): report.farm = .up(status)
            case let (.island(id), .failure(error)): report.islands.append(.down(id: id, error: "\(error)"))
            case let (.farm, .failure(error)): report.farm = .down(error: "\(error)")
            }
        }
        return report
    }

    private enum Either: Sendable {
        case island(IslandStatus)
        case farm(FarmStatus)
    }
}
