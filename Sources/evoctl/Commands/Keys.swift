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
            """
    )

    @OptionGroup var cluster: ClusterOptions

    func run() throws {
        let config = try cluster.loadCluster()
        let path = config.clusterKeyPath
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
        if !config.curve {
            print("note: \(config.file) says curve = false, so the cluster does not use this key until that line goes")
        }
    }
}
