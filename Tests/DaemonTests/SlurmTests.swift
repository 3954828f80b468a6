import Cluster
import Control
import ControlPlane
import Foundation
import Testing

/// `evoctl up --launcher slurm` against a real one-node Slurm that the test starts by itself
/// (`scripts/slurm-local.sh`: munged, slurmctld -D and slurmd -D as root, no systemd).
@Suite(.serialized)
struct SlurmTests {
    /// Why a one-node Slurm cannot start here, or nil when it can (root, and Debian's packages).
    static let unavailable: String? = {
        guard getuid() == 0 else { return "the one-node Slurm needs root; the Slurm launcher's test is skipped" }
        for tool in ["munged", "slurmctld", "slurmd", "sbatch"] where !["/usr/sbin/\(tool)", "/usr/bin/\(tool)"].contains(where: FileManager.default.isExecutableFile) {
            return "\(tool) is not installed (scripts/install-deps.sh installs Slurm and munge); the Slurm launcher's test is skipped"
        }
        return nil
    }()

    @Test(.enabled(if: unavailable == nil, "\(unavailable ?? "")"))
    func upRunsTheClusterAsJobsResumesACancelledIslandAndDownLeavesNoJob() throws {
        let slurm = try LocalSlurm()
        defer { slurm.stop() }
        let harness = try ClusterHarness(
            islands: 2,
            cluster: """
                evaluator = "farm"
                migration = "policy.toml"
                [launcher]
                kind = "slurm"
                """, farm: "workers = 2")
        try harness.write("topology = \"ring\"\nevery_generations = 1\n", to: "policy.toml")
        var cluster = try ClusterConfig.load(path: harness.directory.appendingPathComponent("cluster.toml").path)
        cluster.stateDirectory = harness.directory.appendingPathComponent("state").path  // the config's path is relative to the cluster's directory
        let access = ClusterAccess(cluster: cluster, security: harness.security, timeoutMilliseconds: 2_000)
        func status(_ id: Int) -> IslandStatus? { try? access.client(for: cluster.islands[id - 1]).status() }
        var down = false
        defer { if !down { _ = try? slurm.evoctl(["down", "--config", "cluster.toml"], in: harness.directory) } }

        let up = try slurm.evoctl(["up", "--config", "cluster.toml", "--evod", DaemonHarness.evod], in: harness.directory)
        #expect(up.status == 0, "\(up.output)")
        #expect(up.output.split(separator: "\n").filter { $0.contains(" submitted ") && $0.contains("  ready  ") }.count == 5, "\(up.output)")
        try harness.waitUntil("islands evaluating through the farm and migrating, on published endpoints", seconds: 60) {
            (1...2).allSatisfy { (status($0)?.evaluations.done ?? 0) >= 4 && (status($0)?.migration.received ?? 0) >= 1 }
        }
        let report = try slurm.evoctl(["status", "--config", "cluster.toml"], in: harness.directory)
        let jobs = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: harness.directory.appendingPathComponent("state/slurm-jobs.json")))
        let island1 = try #require(jobs["island-1"])
        #expect(report.output.contains("island 1 \(island1) on "), "\(report.output)")
        let worker2 = try #require(jobs["worker-2"])
        #expect(report.output.contains("slurm    worker-2   job \(worker2)  running on "), "\(report.output)")
        #expect(status(1)?.placement?.slurmJob == island1)

        // Slurm ends island 1's job (as a time limit or preemption would): it stops, its state stays.
        let generation = try #require(status(1)).generation
        _ = try slurm.run(["scancel", island1])
        try harness.waitUntil("island 1's job to leave the queue") { try !slurm.run(["squeue", "--noheader", "--format=%i"]).output.contains(island1) }
        let resumed = try slurm.evoctl(["up", "--config", "cluster.toml", "--evod", DaemonHarness.evod], in: harness.directory)
        #expect(resumed.status == 0, "\(resumed.output)")
        let lines = resumed.output.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("island-1 ") && $0.contains(" submitted ") }, "\(resumed.output)")
        #expect(lines.filter { $0.contains(" already queued ") }.count == 4, "\(resumed.output)")
        try harness.waitUntil("island 1 to go on from where it stopped") { (status(1)?.generation ?? -1) > generation }
        #expect(status(1)?.placement?.slurmJob != island1)

        let stopped = try slurm.evoctl(["down", "--config", "cluster.toml"], in: harness.directory)
        down = true
        #expect(stopped.status == 0, "\(stopped.output)")
        #expect(stopped.output.split(separator: "\n").filter { $0.contains(" cancelled (") }.count == 5, "\(stopped.output)")
        #expect(try slurm.run(["squeue", "--noheader"]).output.isEmpty, "jobs left after down")
        #expect(!FileManager.default.fileExists(atPath: harness.directory.appendingPathComponent("state/endpoints").path))
        let log = try String(contentsOf: harness.directory.appendingPathComponent("state/logs/island-1.log"), encoding: .utf8)
        #expect(log.components(separatedBy: "island stopped").count - 1 == 2, "island 1 did not stop gracefully twice: \(log.suffix(2_000))")
    }
}

/// A one-node Slurm in a temporary directory, started by `scripts/slurm-local.sh`.
struct LocalSlurm {
    let directory: URL
    let configuration: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-slurm-\(UUID().uuidString.prefix(8))")
        let started = try Self.run(["bash", Self.script, "start", directory.path], environment: [:])
        guard started.status == 0, let line = started.output.split(separator: "\n").last(where: { $0.hasPrefix("SLURM_CONF=") }) else {
            throw NSError(domain: "LocalSlurm", code: 1, userInfo: [NSLocalizedDescriptionKey: "Slurm did not start: \(started.output)"])
        }
        configuration = String(line.dropFirst("SLURM_CONF=".count))
    }

    static let script = DaemonHarness.root.appendingPathComponent("scripts/slurm-local.sh").path

    func stop() {
        _ = try? Self.run(["bash", Self.script, "stop", directory.path], environment: [:])
        try? FileManager.default.removeItem(at: directory)
    }

    /// `evoctl ARGUMENTS` in `directory`, against this Slurm; exit status and output (both streams).
    func evoctl(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        try Self.run([DaemonHarness.root.appendingPathComponent(".build/debug/evoctl").path] + arguments, in: directory, environment: ["SLURM_CONF": configuration])
    }

    /// A Slurm client command against this Slurm.
    func run(_ argv: [String]) throws -> (status: Int32, output: String) { try Self.run(argv, environment: ["SLURM_CONF": configuration]) }

    static func run(_ argv: [String], in directory: URL? = nil, environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        // Both streams into one file (one pipe for both never reached its end under Foundation).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("evod-slurm-output-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        (process.standardOutput, process.standardError) = (handle, handle)
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, try String(contentsOf: file, encoding: .utf8))
    }
}
