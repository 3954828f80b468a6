import Cluster
import ConfigFiles
import Wire

/// How a client reaches a cluster's control endpoints (evoctl, the dashboard): its config, the
/// socket security its key file gives, and the timeout of each request.
public struct ClusterAccess: Sendable {
    public let cluster: ClusterConfig
    public let security: SocketSecurity
    public let timeoutMilliseconds: Int32

    /// Reads the cluster key (unless the config says `curve = false`); a missing or unsafe key
    /// file is the error that says how to make or fix it.
    public init(cluster: ClusterConfig, timeoutMilliseconds: Int32) throws(ConfigError) {
        self.init(cluster: cluster, security: try cluster.socketSecurity(), timeoutMilliseconds: timeoutMilliseconds)
    }

    public init(cluster: ClusterConfig, security: SocketSecurity, timeoutMilliseconds: Int32) {
        (self.cluster, self.security, self.timeoutMilliseconds) = (cluster, security, timeoutMilliseconds)
    }

    /// A client for `island`'s control endpoint (where it published it, under Slurm).
    public func client(for island: IslandEntry) -> ControlClient {
        let endpoint = cluster.endpoints.endpoint(.islandControl(island.id)) ?? island.control
        return ControlClient(endpoint: endpoint, peer: .island(island.id), security: security, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A client for the farm broker's control endpoint (where it published it, under Slurm).
    public var farmClient: ControlClient {
        let endpoint = cluster.endpoints.endpoint(.farmControl) ?? cluster.farm.controlEndpoint
        return ControlClient(endpoint: endpoint, peer: .farm, security: security, timeoutMilliseconds: timeoutMilliseconds)
    }
}
