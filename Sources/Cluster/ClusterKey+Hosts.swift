import ConfigFiles
import Foundation
import Wire

extension ClusterKey {
    /// Issues host `name` its own key (`evoctl keys --host NAME`): a new pair in `hosts/NAME.key`
    /// beside the cluster key (mode 0600, with the cluster's public key, for the host to use as its
    /// `cluster_key`), admitted from now on by the allow-list. Refuses a name already admitted.
    public static func issueHostKey(_ name: String, clusterKeyPath: String) throws(ConfigError) -> (path: String, key: HostCurveKey) {
        guard HostAllowList.isHostName(name) else { throw ConfigError(file: clusterKeyPath, key: nil, message: "'\(name)': \(HostAllowList.nameRule)") }
        let cluster = try load(path: clusterKeyPath)
        let allowList = HostAllowList(besideKey: clusterKeyPath)
        var hosts = allowList.hosts
        if hosts[name] != nil {
            throw ConfigError(file: allowList.path, key: name, message: "host \(name) has a key already; revoke it first (`evoctl keys --revoke \(name)`)")
        }
        let path = hostKeyPath(name, clusterKeyPath: clusterKeyPath)
        let pair: CurveKeyPair
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            pair = try CurveKeyPair.generate()
        } catch {
            throw ConfigError(file: path, key: nil, message: "cannot make the host key: \(error)")
        }
        let text = """
            # evod host key of \(name) (ZeroMQ CURVE). Copy it to that host and name it there as the
            # cluster config's cluster_key. It connects (workers, evoctl) as host \(name) until
            # `evoctl keys --revoke \(name)`; it cannot serve (islands and the farm hold the cluster key).
            host = "\(name)"
            public = "\(pair.publicKey)"
            secret = "\(pair.secretKey)"
            cluster_public = "\(cluster.publicKey)"

            """
        do { try PrivateFiles.write(text, to: path) } catch { throw ConfigError(file: path, key: nil, message: "\(error)") }
        hosts[name] = pair.publicKey
        try allowList.write(hosts)
        return (path, HostCurveKey(host: name, pair: pair, clusterPublicKey: cluster.publicKey))
    }

    /// Revokes host `name`'s key (`evoctl keys --revoke NAME`): off the allow-list (running servers
    /// refuse it at its next handshake or message) and its key file beside the cluster key removed.
    /// Returns whether it was admitted.
    @discardableResult
    public static func revokeHostKey(_ name: String, clusterKeyPath: String) throws(ConfigError) -> Bool {
        let allowList = HostAllowList(besideKey: clusterKeyPath)
        var hosts = allowList.hosts
        guard hosts.removeValue(forKey: name) != nil else { return false }
        try allowList.write(hosts)
        unlink(hostKeyPath(name, clusterKeyPath: clusterKeyPath))
        return true
    }

    /// Where host `name`'s key file is made: `hosts/NAME.key` beside the cluster key.
    static func hostKeyPath(_ name: String, clusterKeyPath: String) -> String {
        (((clusterKeyPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("hosts") as NSString)
            .appendingPathComponent("\(name).key")
    }
}
