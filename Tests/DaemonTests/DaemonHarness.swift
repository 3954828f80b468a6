import Control
import ControlPlane
import Foundation
import GRDB
import Island
import Wire

/// Starts real `evod` processes on a small task in a temporary directory, and reads their databases.
final class DaemonHarness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let evod = root.appendingPathComponent(".build/debug/evod").path

    let directory: URL
    let port: Int
    let security: SocketSecurity
    private(set) var process: Process?

    /// `extraCluster` goes at the top of the cluster file, `extraIsland` into its `[island]` table.
    init(extraCluster: String = "", extraIsland: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-daemon-\(UUID().uuidString)")
        port = try ClusterHarness.freePorts(1)[0]
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        security = try ClusterHarness.makeKey(in: directory)
        try ClusterHarness.smallTask.write(to: directory.appendingPathComponent("task.toml"), atomically: true, encoding: .utf8)
        try """
        state_directory = "state"
        task = "task.toml"
        island_control_ports = [\(port)]
        \(extraCluster)
        [island]
        children_per_generation = 6
        \(ClusterHarness.islandDefaults(except: extraIsland))
        \(extraIsland)
        """.write(to: directory.appendingPathComponent("cluster.toml"), atomically: true, encoding: .utf8)
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    var client: ControlClient { ControlClient(endpoint: "tcp://127.0.0.1:\(port)", peer: .island(1), security: security, timeoutMilliseconds: 2_000) }
    var stateDirectory: String { directory.appendingPathComponent("state/island-1").path }
    var database: String { stateDirectory + "/island.sqlite" }

    /// Starts `evod --island 1`; its output goes to a log in the directory.
    func start(arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.evod)
        process.arguments = ["--island", "1", "--config", "cluster.toml"] + arguments
        process.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("evod.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
    }

    /// Polls `status` until `condition` holds; returns the last status.
    @discardableResult
    func waitFor(seconds: Double = 60, _ condition: (IslandStatus) -> Bool) throws -> IslandStatus {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = try? client.status(), condition(status) { return status }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw NSError(domain: "DaemonHarness", code: 1, userInfo: [NSLocalizedDescriptionKey: "timed out waiting; log: \(log)"])
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("evod.log"), encoding: .utf8)) ?? "" }

    func killHard() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Every candidate row, as the database holds it (read with a fresh connection).
    func rows() throws -> [Int64: Row] {
        let queue = try DatabaseQueue(path: database)
        return try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT * FROM candidates").map { ($0["id"] as Int64, $0) })
        }
    }

    func counter(_ name: String) throws -> Int {
        let queue = try DatabaseQueue(path: database)
        return try queue.read { db in try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = ?", arguments: [name]) ?? 0 }
    }
}
