/// A host's own CURVE key (`evoctl keys --host NAME`): its pair, which it presents as a client, and
/// the cluster's public key, which it expects of the servers. A process holding one connects (a
/// worker, `evoctl`) but cannot serve: the servers prove they hold the cluster's secret key.
public struct HostCurveKey: Sendable, Hashable {
    public let host: String
    public let pair: CurveKeyPair
    public let clusterPublicKey: String

    public init(host: String, pair: CurveKeyPair, clusterPublicKey: String) {
        (self.host, self.pair, self.clusterPublicKey) = (host, pair, clusterPublicKey)
    }
}

/// The host keys a cluster's servers admit beside the cluster key, looked up at each handshake
/// (the ZAP handler) and at each message (``SocketSecurity/admits(userID:)``), so that a revoked
/// host is refused without a restart. The cluster module reads it from the allow-list file.
public protocol HostKeyDirectory: Sendable {
    /// The host whose public key (40 Z85 characters) this is, if it is admitted now.
    func host(forPublicKey key: String) -> String?
    /// Whether host `name` is admitted now.
    func admits(host name: String) -> Bool
}

extension SocketSecurity {
    /// The ZAP user id of a peer that holds the cluster key itself (every other admitted peer's is its host name).
    public static let clusterUserID = "cluster"

    /// Whether a message whose connection was admitted as `userID` (libzmq's `User-Id`: the ZAP
    /// handler's answer) is still admitted: the cluster key always, a host's key while its host is
    /// on the allow-list; nil (plain sockets) always.
    /// Whether a message admitted as `userID` comes from a holder of the cluster key itself (or from
    /// anyone, on plain sockets): only they may send migrants or ask the farm for evaluations; a host
    /// key runs workers and `evoctl`.
    public func isClusterPeer(userID: String?) -> Bool { !isCurve || userID == nil || userID == Self.clusterUserID }

    public func admits(userID: String?) -> Bool {
        guard let userID, userID != Self.clusterUserID, !userID.isEmpty else { return true }
        return hosts?.admits(host: userID) ?? false
    }
}
