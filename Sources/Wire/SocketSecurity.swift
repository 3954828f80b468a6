import CZeroMQ
import Logging
import Synchronization

/// How a process's sockets authenticate their peers: CURVE with the cluster's key (every peer
/// must hold it: servers prove it in the handshake, clients are checked by a ZAP handler that
/// admits the cluster's public key and the host keys on the allow-list), or nothing at all
/// (`curve = false`, a trusted network). A process with a host key instead of the cluster key
/// connects under its host's name and cannot serve.
///
/// One instance serves all the sockets of a process, and counts the connections its server
/// sockets refused; refusals are logged at 1, 2, 4, 8, ... so that a scanner cannot fill the log.
public final class SocketSecurity: Sendable {
    /// The cluster's key pair, or nil for plain sockets.
    public let clusterKey: CurveKeyPair?
    /// The host key this process presents instead (it then has no `clusterKey`).
    public let hostKey: HostCurveKey?
    /// The host keys a server admits beside the cluster key.
    public let hosts: (any HostKeyDirectory)?
    let logger: Logger?
    private let refused = Atomic<Int>(0)

    /// CURVE with `clusterKey` (and, for servers, the host keys of `hosts`), or plain sockets when it is nil.
    public init(clusterKey: CurveKeyPair?, hosts: (any HostKeyDirectory)? = nil, logger: Logger? = nil) {
        (self.clusterKey, self.hostKey, self.hosts, self.logger) = (clusterKey, nil, hosts, logger)
    }

    /// CURVE as host `hostKey.host`: connects with the host's key; cannot serve.
    public init(hostKey: HostCurveKey, logger: Logger? = nil) {
        (self.clusterKey, self.hostKey, self.hosts, self.logger) = (nil, hostKey, nil, logger)
    }

    /// Sockets without authentication or encryption.
    public static func plain() -> SocketSecurity { SocketSecurity(clusterKey: nil) }

    public var isCurve: Bool { clusterKey != nil || hostKey != nil }

    /// Connections this process's server sockets refused: peers without the cluster key, with
    /// another key, or speaking another security mechanism.
    public var refusedConnections: Int { refused.load(ordering: .relaxed) }

    func recordRefusal(endpoint: String, reason: String) {
        let count = refused.add(1, ordering: .relaxed).newValue
        guard count & (count - 1) == 0 else { return }
        logger?.warning(
            "refused a connection without the cluster key",
            metadata: ["endpoint": "\(endpoint)", "reason": "\(reason)", "refused_so_far": "\(count)"])
    }

    /// The ZAP domain of evod's server sockets.
    static let zapDomain = "evod"
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` (libzmq 4.3, a draft option that stable builds accept): refuse
    /// connections when no ZAP handler answers, instead of admitting them.
    static let zapEnforceDomain: Int32 = 93
}

extension SocketSecurity: CustomStringConvertible {
    public var description: String {
        if let hostKey { return "CURVE as host \(hostKey.host) (\(hostKey.pair.publicKey))" }
        return clusterKey.map { "CURVE (\($0.publicKey))" } ?? "plain (no authentication)"
    }
}
