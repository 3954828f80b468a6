import ConfigFiles
import Foundation
import Wire

/// The cluster's CURVE key file: one key pair that every process of the cluster holds. It is made
/// once (`evoctl keys`, or `evoctl up` when absent) with mode 0600 from its first byte; a host
/// joins by copying it. Anyone who can read it can join the cluster, so a file that others can
/// read is refused, as ssh refuses a private key.
public enum ClusterKey {
    /// Makes a new key file at `path`; refuses to replace one (the running cluster holds it).
    @discardableResult
    public static func create(at path: String) throws(ConfigError) -> CurveKeyPair {
        if FileManager.default.fileExists(atPath: path) {
            throw ConfigError(file: path, key: nil, message: "a cluster key exists already; remove it first to make a new one (every host must then copy the new file)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw ConfigError(file: path, key: nil, message: "cannot create its directory: \(error.localizedDescription)")
            }
        }
        let pair: CurveKeyPair
        do { pair = try CurveKeyPair.generate() } catch { throw ConfigError(file: path, key: nil, message: "cannot make a CURVE key pair: \(error)") }
        let text = """
            # evod cluster key (ZeroMQ CURVE). Every process of the cluster needs this file; anyone who
            # has it can join the cluster. Copy it to a joining host with its mode (0600) kept.
            public = "\(pair.publicKey)"
            secret = "\(pair.secretKey)"

            """
        do { try PrivateFiles.write(text, to: path) } catch { throw ConfigError(file: path, key: nil, message: "\(error)") }
        return pair
    }

    /// The key pair in the file at `path`, checked: present, private (no group or other access),
    /// both keys 40 Z85 characters, and the public key the secret key's.
    public static func load(path: String) throws(ConfigError) -> CurveKeyPair {
        switch try loadKeyFile(path: path) {
        case let .cluster(pair): return pair
        case let .host(key):
            throw ConfigError(
                file: path, key: "host",
                message: "is host \(key.host)'s key, not the cluster key: a host key only connects (a worker, evoctl); "
                    + "a process that serves (an island, the farm) needs the cluster key")
        }
    }

    /// What a key file holds: the cluster's pair, or a host's (`evoctl keys --host NAME`: `host`,
    /// its `public` and `secret` key, and the cluster's `cluster_public`), checked like the cluster key.
    public static func loadKeyFile(path: String) throws(ConfigError) -> KeyFile {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ConfigError(
                file: path, key: nil,
                message: "no cluster key: make one with `evoctl keys` (`evoctl up` makes it when absent) and copy it to every host "
                    + "that joins, or set `curve = false` in the cluster config for a trusted network")
        }
        if status.st_mode & 0o077 != 0 {
            throw ConfigError(
                file: path, key: nil,
                message: "the cluster key is readable by others (mode \(String(status.st_mode & 0o777, radix: 8))); `chmod 600 \(path)`")
        }
        let file = try ConfigSection.load(path: path)
        let host = file.has("host") ? try file.string("host", default: "") : nil
        let clusterPublic = host == nil ? nil : try file.string("cluster_public", default: "")
        let secret = try file.string("secret", default: "")
        let expectedPublic = try file.string("public", default: "")
        try file.finish()
        guard let pair = CurveKeyPair(secretKey: secret) else {
            throw file.error("secret", "expected 40 Z85 characters (a ZeroMQ CURVE secret key)")
        }
        guard pair.publicKey == expectedPublic else {
            throw file.error("public", "is not the public key of this secret key; the file is damaged: copy it again from a host that works")
        }
        guard let host else { return .cluster(pair) }
        guard HostAllowList.isHostName(host) else { throw file.error("host", HostAllowList.nameRule) }
        guard let clusterPublic, CurveKeyPair.isKeyText(clusterPublic) else {
            throw file.error("cluster_public", "expected the cluster's public key, 40 Z85 characters")
        }
        return .host(HostCurveKey(host: host, pair: pair, clusterPublicKey: clusterPublic))
    }

    /// What a key file holds.
    public enum KeyFile: Sendable, Hashable {
        case cluster(CurveKeyPair)
        case host(HostCurveKey)
    }
}
