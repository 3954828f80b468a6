import Cluster
import ConfigFiles
import Foundation
import Testing

/// Host key files and the allow-list beside the cluster key (issue 38's keys per host).
final class HostKeyFileTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-host-keys-\(UUID().uuidString)")
    var keyPath: String { directory.appendingPathComponent("cluster.key").path }

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ClusterKey.create(at: keyPath)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    @Test func aHostKeyConnectsAsItsHostAndIsAdmittedUntilRevoked() throws {
        let cluster = try ClusterKey.load(path: keyPath)
        let issued = try ClusterKey.issueHostKey("gpu-01", clusterKeyPath: keyPath)
        guard case let .host(key) = try ClusterKey.loadKeyFile(path: issued.path) else {
            Issue.record("a host key file read as the cluster key")
            return
        }
        #expect(key.host == "gpu-01" && key.clusterPublicKey == cluster.publicKey && key.pair == issued.key.pair)
        #expect(throws: ConfigError.self, "a host key is not the cluster key") { try ClusterKey.load(path: issued.path) }
        let allowList = HostAllowList(besideKey: keyPath)
        #expect(allowList.admits(host: "gpu-01") && allowList.host(forPublicKey: key.pair.publicKey) == "gpu-01")
        #expect(allowList.host(forPublicKey: cluster.publicKey) == nil, "the cluster key is not a host's")
        // The same list object sees the revocation: servers read the file again when it changes.
        #expect(try ClusterKey.revokeHostKey("gpu-01", clusterKeyPath: keyPath))
        #expect(!allowList.admits(host: "gpu-01") && allowList.host(forPublicKey: key.pair.publicKey) == nil)
        #expect(!FileManager.default.fileExists(atPath: issued.path), "its key file beside the cluster key is gone")
        #expect(try !ClusterKey.revokeHostKey("gpu-01", clusterKeyPath: keyPath), "revoked already")
    }

    @Test func badNamesAndADamagedListAdmitNoHost() throws {
        for name in ["", "a.b", "x y", "é", String(repeating: "h", count: 65)] {
            #expect(throws: ConfigError.self, "\(name)") { try ClusterKey.issueHostKey(name, clusterKeyPath: keyPath) }
        }
        let issued = try ClusterKey.issueHostKey("worker-7", clusterKeyPath: keyPath)
        let allowList = HostAllowList(besideKey: keyPath)
        #expect(allowList.admits(host: "worker-7"))
        try "[hosts]\nworker-7 = \"not a key\"\n".write(toFile: allowList.path, atomically: true, encoding: .utf8)
        #expect(!allowList.admits(host: "worker-7"), "a list that does not parse admits nobody (fail closed)")
        #expect(allowList.host(forPublicKey: issued.key.pair.publicKey) == nil)
    }
}
