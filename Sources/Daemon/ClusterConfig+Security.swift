import Cluster
import Logging
import Wire

extension ClusterConfig {
    /// The security every socket of this process uses: CURVE with the cluster key (the default; a
    /// missing or unreadable key file stops the process with an error that says how to make one),
    /// or plain sockets with a warning when the config says `curve = false`.
    public func daemonSecurity(logger: Logger) throws -> SocketSecurity {
        guard curve else {
            logger.warning(
                "curve = false: the cluster's sockets are neither authenticated nor encrypted; any process that can reach its ports can feed it work, results and migrants, and read its state",
                metadata: ["config": "\(file)"])
            return .plain()
        }
        return try socketSecurity(logger: logger)
    }
}
