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
        let secret = try file.string("secret", default: "")
        let expectedPublic = try file.string("public", default: "")
        try file.finish()
        guard let pair = CurveKeyPair(secretKey: secret) else {
            throw file.error("secret", "expected 40 Z85 characters (a ZeroMQ CURVE secret key)")
        }
        guard pair.publicKey == expectedPublic else {
            throw file.error("public", "is not the public key of this secret key; the file is damaged: copy it again from a host that works")
        }
        return pair
    }
}
