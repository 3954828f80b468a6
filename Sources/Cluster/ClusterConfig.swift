import ConfigFiles
import Evaluation
import Foundation
import Logging
import Wire

/// One island of the cluster: its id, host and endpoints.
public struct IslandEntry: Sendable, Hashable {
    public var id: Int
    /// ZeroMQ endpoint of its control socket (REP, JSON), e.g. `tcp://127.0.0.1:7101`.
    public var control: String
    /// ZeroMQ endpoint of its migration socket (PULL): it binds it, its neighbours connect to it.
    public var migration: String
}

/// Where an island's evaluations run.
public enum EvaluatorPlacement: String, Sendable, CaseIterable {
    /// A pool of threads inside the island (`evaluations_in_flight` of them).
    case local
    /// The shared farm: requests to the broker, which hands them to workers.
    case farm
}

/// `configs/cluster.toml` (docs/architecture.md §10): where state lives, the task, island defaults and the
/// islands. Paths are relative to the working directory. Every key has a default.
public struct ClusterConfig: Sendable {
    public var file: String
    public var stateDirectory = "state"
    /// The task file, or nil for the embedded prefbandit default.
    public var taskPath: String?
    public var islandsDirectory = "islands"
    public var islands: [IslandEntry] = [IslandEntry(id: 1, control: "tcp://127.0.0.1:7101", migration: "tcp://127.0.0.1:7111")]
    public var evaluator = EvaluatorPlacement.local
    public var farm = FarmSettings()
    /// How `evoctl up` runs the processes (`[launcher]`): on this host, or as Slurm jobs.
    public var launcher = LauncherSettings()
    /// The migration policy file, or nil for no migration.
    public var migrationPath: String?
    /// Whether sockets between processes use CURVE with the cluster key (`curve`, default true).
    public var curve = true
    /// The cluster key file (`cluster_key`, default `<state_directory>/cluster.key`).
    public var clusterKeyPath = "state/cluster.key"
    /// Island settings before per-island overrides. Its `seed` is a base: island N's seed is base + N
    /// unless `islands/island-N.toml` sets one.
    var islandDefaults = IslandSettings(id: 0, seed: 0)

    public static func load(path: String) throws(ConfigError) -> ClusterConfig {
        let root = try ConfigSection.load(path: path)
        var config = ClusterConfig(file: path)
        config.stateDirectory = try root.string("state_directory", default: config.stateDirectory)
        config.curve = try root.bool("curve", default: true)
        config.clusterKeyPath = try root.string("cluster_key", default: config.stateDirectory + "/cluster.key")
        let task = try root.string("task", default: "")
        config.taskPath = task.isEmpty ? nil : task
        config.islandsDirectory = try root.string("islands_directory", default: config.islandsDirectory)
        if let defaults = try root.section("island") {
            try config.islandDefaults.read(defaults)
        }
        let ports = try root.ints("island_control_ports", default: [7101], in: 1...65_535)
        let host = try root.string("control_host", default: "127.0.0.1")
        let hosts = try root.strings("island_hosts", default: ports.map { _ in host })
        if hosts.count != ports.count { throw root.error("island_hosts", "expected one host per island (\(ports.count)), got \(hosts.count)") }
        let migrationPorts = try root.ints("island_migration_ports", default: ports.map { $0 + 10 }, in: 1...65_535)
        if migrationPorts.count != ports.count {
            throw root.error("island_migration_ports", "expected one port per island (\(ports.count)), got \(migrationPorts.count)")
        }
        config.islands = ports.indices.map {
            IslandEntry(id: $0 + 1, control: "tcp://\(hosts[$0]):\(ports[$0])", migration: "tcp://\(hosts[$0]):\(migrationPorts[$0])")
        }
        let endpoints = config.islands.flatMap { [$0.control, $0.migration] }
        if Set(endpoints).count != endpoints.count {
            throw root.error("island_control_ports", "expected distinct ports: every island's control and migration endpoints must differ, got \(endpoints)")
        }
        let placement = try root.string("evaluator", default: config.evaluator.rawValue, oneOf: EvaluatorPlacement.allCases.map(\.rawValue))
        config.evaluator = EvaluatorPlacement(rawValue: placement) ?? .local
        let migration = try root.string("migration", default: "")
        config.migrationPath = migration.isEmpty ? nil : migration
        if let farm = try root.section("farm") { try config.farm.read(farm) }
        if let launcher = try root.section("launcher") { try config.launcher.read(launcher) }
        try root.finish()
        return config
    }

    /// The settings of island `id`: the cluster's defaults, then `islands/island-<id>.toml` if present.
    public func settings(forIsland id: Int) throws(ConfigError) -> IslandSettings {
        var settings = islandDefaults
        settings.id = id
        settings.seed = islandDefaults.seed &+ UInt64(id)
        let file = "\(islandsDirectory)/island-\(id).toml"
        if FileManager.default.fileExists(atPath: file) {
            let section = try ConfigSection.load(path: file)
            try settings.read(section)
            try section.finish()
        }
        return settings
    }

    public func entry(forIsland id: Int) -> IslandEntry? { islands.first { $0.id == id } }

    /// The migration policy, or nil when migration is off.
    public func migrationPolicy() throws(ConfigError) -> MigrationPolicy? {
        guard let migrationPath else { return nil }
        return try MigrationPolicy.load(path: migrationPath)
    }

    public func task() throws(ConfigError) -> TaskConfig {
        guard let taskPath else { return .defaultSuite }
        return try TaskConfig.load(path: taskPath)
    }

    /// The cluster key, or nil when `curve = false`.
    public func clusterKey() throws(ConfigError) -> CurveKeyPair? {
        curve ? try ClusterKey.load(path: clusterKeyPath) : nil
    }

    /// The security of this host's sockets from its key file: the cluster key (serving, and admitting
    /// the host keys of the allow-list beside it), a host's key (connecting as that host), or plain
    /// sockets when `curve = false`.
    public func socketSecurity(logger: Logger? = nil) throws(ConfigError) -> SocketSecurity {
        guard curve else { return .plain() }
        switch try ClusterKey.loadKeyFile(path: clusterKeyPath) {
        case let .cluster(pair): return SocketSecurity(clusterKey: pair, hosts: HostAllowList(besideKey: clusterKeyPath), logger: logger)
        case let .host(key): return SocketSecurity(hostKey: key, logger: logger)
        }
    }

    /// The island's own directory under the state directory (database, token, log).
    public func stateDirectory(forIsland id: Int) -> String { "\(stateDirectory)/island-\(id)" }

    /// The farm broker's directory (result cache, token, log).
    public var farmDirectory: String { "\(stateDirectory)/farm" }
}
