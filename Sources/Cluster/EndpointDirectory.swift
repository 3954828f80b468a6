import ConfigFiles
import Control
import Foundation

/// Where the cluster's processes listen, and how the others find them.
///
/// With the local launcher, where the config says. Under Slurm a process's host is known only once
/// it is scheduled (and a resumed job may run on another node), so each process binds an ephemeral
/// port on all its interfaces and publishes `tcp://<its host name>:<port>` in
/// `<state>/endpoints/<name>.json` (written whole, then renamed into place); the others read it
/// there whenever they (re)connect, and keep looking while it is absent or changes.
public struct EndpointDirectory: Sendable {
    /// One listening endpoint of the cluster.
    public enum Name: Hashable, Sendable {
        case islandControl(Int), islandMigration(Int), farmIslands, farmWorkers, farmControl

        var file: String {
            switch self {
            case let .islandControl(id): "island-\(id)-control"
            case let .islandMigration(id): "island-\(id)-migration"
            case .farmIslands: "farm-islands"
            case .farmWorkers: "farm-workers"
            case .farmControl: "farm-control"
            }
        }
    }

    /// What a process published about one endpoint: where, on which host, and which process.
    public struct Publication: Codable, Sendable, Hashable {
        public var endpoint: String
        public var host: String
        public var pid: Int32
        /// `SLURM_JOB_ID` (array tasks: `<array job>_<task>`), when it runs under Slurm.
        public var slurmJob: String?

        enum CodingKeys: String, CodingKey { case endpoint, host, pid, slurmJob = "slurm_job" }
    }

    let cluster: ClusterConfig

    public var publishes: Bool { cluster.launcher.publishesEndpoints }
    public var directory: String { cluster.stateDirectory + "/endpoints" }

    /// The endpoint to bind for `name`: the config's, or an ephemeral port on every interface.
    public func bindEndpoint(_ name: Name) -> String { publishes ? "tcp://0.0.0.0:*" : configured(name) }

    /// Where to reach `name` now: the config's endpoint, or the published one (nil until published).
    public func endpoint(_ name: Name) -> String? { publishes ? publication(name)?.endpoint : configured(name) }

    /// What `name`'s process published, if anything.
    public func publication(_ name: Name) -> Publication? {
        guard let data = FileManager.default.contents(atPath: path(name)) else { return nil }
        return try? JSONDecoder().decode(Publication.self, from: data)
    }

    /// Publishes `bound` (a socket's last endpoint, `tcp://0.0.0.0:<port>`) as this host's; nothing
    /// when endpoints come from the config.
    public func publish(_ name: Name, bound: String) throws {
        guard publishes else { return }
        guard let port = bound.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw ConfigError(file: directory, key: nil, message: "cannot publish \(name.file): '\(bound)' has no port")
        }
        let here = Placement.current()
        let publication = Publication(endpoint: "tcp://\(here.host):\(port)", host: here.host, pid: here.pid, slurmJob: here.slurmJob)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path(name) + ".\(getpid()).tmp"
        try JSONEncoder().encode(publication).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path(name)) == 0 else {
            throw ConfigError(file: path(name), key: nil, message: "cannot publish: \(String(cString: strerror(errno)))")
        }
    }

    func path(_ name: Name) -> String { "\(directory)/\(name.file).json" }

    func configured(_ name: Name) -> String {
        switch name {
        case let .islandControl(id): cluster.entry(forIsland: id)?.control ?? ""
        case let .islandMigration(id): cluster.entry(forIsland: id)?.migration ?? ""
        case .farmIslands: cluster.farm.islandsEndpoint
        case .farmWorkers: cluster.farm.workersEndpoint
        case .farmControl: cluster.farm.controlEndpoint
        }
    }
}

extension ClusterConfig {
    /// Where the cluster's processes listen (the config's endpoints, or those published under Slurm).
    public var endpoints: EndpointDirectory { EndpointDirectory(cluster: self) }
}
