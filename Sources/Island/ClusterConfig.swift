import Configuration
import Evaluation
import Foundation

/// One island of the cluster: its id and control endpoint.
public struct IslandEntry: Sendable, Hashable {
    public var id: Int
    /// ZeroMQ endpoint of its control socket (REP, JSON), e.g. `tcp://127.0.0.1:7101`.
    public var control: String
}

/// `configs/cluster.toml` (DESIGN.md §10): where state lives, the task, island defaults and the
/// islands. Paths are relative to the working directory. Every key has a default.
public struct ClusterConfig: Sendable {
    public var file: String
    public var stateDirectory = "state"
    /// The task file, or nil for the embedded prefbandit default.
    public var taskPath: String?
    public var islandsDirectory = "islands"
    public var islands: [IslandEntry] = [IslandEntry(id: 1, control: "tcp://127.0.0.1:7101")]
    /// Island settings before per-island overrides. Its `seed` is a base: island N's seed is base + N
    /// unless `islands/island-N.toml` sets one.
    var islandDefaults = IslandSettings(id: 0, seed: 0)

    public static func load(path: String) throws(ConfigError) -> ClusterConfig {
        let root = try ConfigSection.load(path: path)
        var config = ClusterConfig(file: path)
        config.stateDirectory = try root.string("state_directory", default: config.stateDirectory)
        let task = try root.string("task", default: "")
        config.taskPath = task.isEmpty ? nil : task
        config.islandsDirectory = try root.string("islands_directory", default: config.islandsDirectory)
        if let defaults = try root.section("island") {
            try config.islandDefaults.read(defaults)
        }
        let ports = try root.ints("island_control_ports", default: [7101])
        let host = try root.string("control_host", default: "127.0.0.1")
        config.islands = ports.enumerated().map { IslandEntry(id: $0.offset + 1, control: "tcp://\(host):\($0.element)") }
        if Set(ports).count != ports.count { throw root.error("island_control_ports", "expected distinct ports, got \(ports)") }
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

    public func task() throws(ConfigError) -> TaskConfig {
        guard let taskPath else { return .prefbanditDefault }
        return try TaskConfig.load(path: taskPath)
    }

    /// The island's own directory under the state directory (database, token, log).
    public func stateDirectory(forIsland id: Int) -> String { "\(stateDirectory)/island-\(id)" }
}
