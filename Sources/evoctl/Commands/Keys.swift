import ArgumentParser
import Cluster
import Foundation

/// `evoctl keys`: makes the cluster's CURVE key file, or checks the one there is.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the cluster key (ZeroMQ CURVE) that every process of the cluster needs, or check the one there is.",
        discussion: """
            The key goes to the config's cluster_key (default <state_directory>/cluster.key) with mode 0600. \
            Every socket between the cluster's processes is encrypted and admits only holders of this key; \
            a host joins by copying the file (keeping its mode). `evoctl up` makes it when it is absent. \
            An existing key is never replaced: remove the file first, then restart every process and copy \
            the new file to every host.

            A host that only connects (workers, evoctl) can have a key of its own instead: `--host NAME` makes \
            hosts/NAME.key beside the cluster key and admits it (hosts.allow); copy that file to the host as its \
            cluster_key. `--revoke NAME` takes it off the list: the running farm and islands refuse that host \
            from its next message, without a restart, and the other hosts go on.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Issue a key of its own to this host (letters, digits, '-', '_').")
    var host: String?

    @Option(help: "Revoke this host's key.")
    var revoke: String?

    func run() throws {
        let config = try cluster.loadCluster()
        let path = config.clusterKeyPath
        if host != nil, revoke != nil { throw ValidationError("--host and --revoke go in separate calls") }
        if let host {
            do {
                let issued = try ClusterKey.issueHostKey(host, clusterKeyPath: path)
                print("made \(issued.path) (mode 0600, public key \(issued.key.pair.publicKey)); copy it to \(host) as its cluster_key")
            } catch { throw CommandFailure("\(error)") }
            return
        }
        if let revoke {
            do {
                guard try ClusterKey.revokeHostKey(revoke, clusterKeyPath: path) else {
                    throw CommandFailure("no host named '\(revoke)' is admitted (\(HostAllowList(besideKey: path).path))")
                }
            } catch let failure as CommandFailure { throw failure } catch { throw CommandFailure("\(error)") }
            print("revoked \(revoke): the running farm and islands refuse it from its next message")
            return
        }
        do {
            if FileManager.default.fileExists(atPath: path) {
                let key = try ClusterKey.load(path: path)
                print("\(path): the cluster key is there and sound (public key \(key.publicKey)); nothing to do")
            } else {
                let key = try ClusterKey.create(at: path)
                print("made \(path) (mode 0600, public key \(key.publicKey)); copy it to every host that joins this cluster")
            }
        } catch {
            throw CommandFailure("\(error)")
        }
        let hosts = HostAllowList(besideKey: path).hosts.keys.sorted()
        if !hosts.isEmpty { print("host keys admitted: \(hosts.joined(separator: ", "))") }
        if !config.curve {
            print("note: \(config.file) says curve = false, so the cluster does not use this key until that line goes")
        }
    }
}
