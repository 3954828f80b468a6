import Cluster
import Control
import ControlPlane
import Foundation
import GRDB
import Island
import TestSupport
import Wire

/// A cluster of real `evod` processes (islands, a farm broker, workers) on loopback, on random
/// ports, in a temporary directory; reads their databases and control endpoints.
final class ClusterHarness {
    let directory: URL
    let islands: Int
    /// Free loopback ports from the kernel: control 1...n, migration 1...n, farm control, islands, workers.
    let ports: [Int]
    /// The cluster key the harness made in `state/cluster.key`, as the cluster's processes use it.
    let security: SocketSecurity
    private(set) var processes: [String: Process] = [:]

    /// `cluster` is appended to the generated config (evaluator, migration, [farm] keys);
    /// `task` replaces the small prefbandit task.
    init(islands: Int, cluster: String = "", farm: String = "", task: String? = nil, island: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-cluster-\(UUID().uuidString)")
        self.islands = islands
        ports = try Self.freePorts(2 * islands + 3)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        security = try Self.makeKey(in: directory)
        try (task ?? Self.smallTask).write(to: directory.appendingPathComponent("task.toml"), atomically: true, encoding: .utf8)
        let controlPorts = ports[0..<islands].map(String.init).joined(separator: ", ")
        let migrationPorts = ports[islands..<(2 * islands)].map(String.init).joined(separator: ", ")
        try """
        state_directory = "state"
        task = "task.toml"
        island_control_ports = [\(controlPorts)]
        island_migration_ports = [\(migrationPorts)]
        \(cluster)
        [island]
        children_per_generation = 4
        \(Self.islandDefaults(except: island))
        \(island)
        [farm]
        islands_port = \(ports[2 * islands + 1])
        workers_port = \(ports[2 * islands + 2])
        control_port = \(ports[2 * islands])
        heartbeat_interval_s = 0.2
        heartbeat_liveness = 3
        \(farm)
        """.write(to: directory.appendingPathComponent("cluster.toml"), atomically: true, encoding: .utf8)
    }

    /// The island keys every test cluster sets unless its test does: the four classic seed losses
    /// (the default is every standard loss) and no stage 3 (tests of confirmation turn it on).
    static func islandDefaults(except island: String) -> String {
        ["seed_losses = [\"dpo\", \"slic\", \"ipo\", \"exponential\"]", "confirm_top_k = 0"]
            .filter { line in !island.contains(String(line.prefix { $0 != " " }) + " =") }.joined(separator: "\n")
    }

    /// Makes `state/cluster.key` under `directory` (as `evoctl keys` would) and returns its security.
    static func makeKey(in directory: URL) throws -> SocketSecurity {
        SocketSecurity(clusterKey: try ClusterKey.create(at: directory.appendingPathComponent("state/cluster.key").path))
    }

    static let smallTask = """
        \(SmallTask.prefbandit)
        [stage1]
        betas = [0.1]
        seeds = [1]
        [stage2]
        betas = [0.1, 1.0]
        seeds = [1]
        """

    deinit {
        for process in processes.values where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    func write(_ text: String, to name: String, executable: Bool = false) throws {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if executable { chmod(path, 0o755) }
    }

    /// Starts `evod ARGUMENTS --config cluster.toml` under `name`; output goes to `name.log`.
    /// `wrapper` runs it through another command (`ip netns exec NS`).
    func start(
        _ name: String, _ arguments: [String], executable: String = DaemonHarness.evod, config: String = "cluster.toml", wrapper: [String] = []
    ) throws {
        let process = Process()
        let argv = wrapper + [executable] + arguments + ["--config", config]
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("\(name).log")
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes[name] = process
    }

    /// Two islands on a ring (migrants every generation), the farm and one two-thread worker,
    /// started and past island 1's first generation.
    static func runningFarmRing() throws -> ClusterHarness {
        let harness = try ClusterHarness(islands: 2, cluster: "evaluator = \"farm\"\nmigration = \"policy.toml\"")
        try harness.write("topology = \"ring\"\nevery_generations = 1\n", to: "policy.toml")
        try harness.startFarm()
        try harness.startWorker("worker", threads: 2)
        for id in 1...2 { try harness.startIsland(id) }
        try harness.waitUntil("the first generation") { harness.generation(island: 1) >= 1 }
        return harness
    }

    func startIsland(_ id: Int) throws { try start("island-\(id)", ["--island", "\(id)"]) }
    func startFarm() throws { try start("farm", ["--farm"]) }
    func startWorker(_ name: String, threads: Int = 1) throws { try start(name, ["--worker", "--threads", "\(threads)"]) }

    /// Starts `evod-liar` (evod's worker with the cluster key, lying: `--raise X` or `--malformed`).
    func startLiar(_ name: String, _ arguments: [String], threads: Int = 1) throws {
        try start(name, arguments + ["--threads", "\(threads)"], executable: DaemonHarness.evod + "-liar")
    }

    func kill9(_ name: String) {
        guard let process = processes[name] else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate(_ name: String) {
        guard let process = processes[name], process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    func stopAll() {
        for name in processes.keys.sorted(by: { $0.hasPrefix("island") && !$1.hasPrefix("island") }) { terminate(name) }
    }

    func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
    }

    /// The tails of the logs of the processes it started, and of those `evoctl up` started (`state/logs`).
    var logs: String {
        let launched = directory.appendingPathComponent("state/logs")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: launched.path)) ?? []).sorted().map { "../state/logs/" + $0.dropLast(4) }
        return (processes.keys.sorted() + files).map { "== \($0)\n" + log($0).suffix(3_000) }.joined(separator: "\n")
    }

    func controlEndpoint(island id: Int) -> String { "tcp://127.0.0.1:\(ports[id - 1])" }
    func migrationEndpoint(island id: Int) -> String { "tcp://127.0.0.1:\(ports[islands + id - 1])" }
    var farmControl: String { "tcp://127.0.0.1:\(ports[2 * islands])" }
    var farmIslands: String { "tcp://127.0.0.1:\(ports[2 * islands + 1])" }
    var farmWorkers: String { "tcp://127.0.0.1:\(ports[2 * islands + 2])" }

    /// `count` distinct ports that are free now: bound to port 0 (the kernel picks), read, released.
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw NSError(domain: "ClusterHarness", code: 2) }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw NSError(domain: "ClusterHarness", code: 3) }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    func status(island id: Int) -> IslandStatus? {
        try? ControlClient(endpoint: controlEndpoint(island: id), peer: .island(id), security: security, timeoutMilliseconds: 2_000).status()
    }

    func farmStatus() -> FarmStatus? {
        try? ControlClient(endpoint: farmControl, peer: .farm, security: security, timeoutMilliseconds: 2_000).farmStatus()
    }

    /// Polls until `condition` holds or `seconds` pass; throws with the logs on timeout.
    func waitUntil(_ what: String, seconds: Double = 90, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? condition()) == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw NSError(domain: "ClusterHarness", code: 1, userInfo: [NSLocalizedDescriptionKey: "timed out waiting for \(what)\n\(logs)"])
    }

    func database(island id: Int) throws -> DatabaseQueue {
        try DatabaseQueue(path: directory.appendingPathComponent("state/island-\(id)/island.sqlite").path)
    }

    /// (direction, peer) of every migration log line of island `id`.
    func migrations(island id: Int) throws -> [(direction: String, peer: Int)] {
        try database(island: id).read { db in
            try Row.fetchAll(db, sql: "SELECT direction, peer FROM migrations").map { ($0["direction"], $0["peer"]) }
        }
    }

    func counter(_ name: String, island id: Int) throws -> Int {
        try database(island: id).read { db in try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = ?", arguments: [name]) ?? 0 }
    }

    func generation(island id: Int) -> Int { status(island: id)?.generation ?? -1 }
}
