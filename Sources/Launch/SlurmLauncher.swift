import Cluster
import Foundation
import Synchronization

/// Runs the cluster's processes as Slurm jobs (`evoctl up --launcher slurm`): the farm and each
/// island one job, the workers one job array. Job ids go to `<state>/slurm-jobs.json`, logs to
/// `<state>/logs/<name>.log` (appended across resumptions, as with the local launcher). The
/// processes find each other through the endpoints they publish (``EndpointDirectory``).
public final class SlurmLauncher: Launcher {
    public let config: ClusterConfig
    /// The directory sbatch runs the jobs in (the config's paths are relative to it).
    public let workingDirectory: String
    /// Slurm's queue, asked at most once a second while `up` polls.
    private let cachedQueue = Mutex<(at: Date, jobs: [String: HeldJob])?>(nil)

    public init(config: ClusterConfig, workingDirectory: String) { (self.config, self.workingDirectory) = (config, workingDirectory) }

    public var jobsFile: String { config.stateDirectory + "/slurm-jobs.json" }
    public var logDirectory: String { config.stateDirectory + "/logs" }

    /// A job Slurm holds: its state (`RUNNING`, `PENDING`, ...) and node.
    public struct HeldJob: Sendable, Hashable {
        public var state: String
        public var node: String

        /// As `up` and `status` print it: `running on node07`, `pending`.
        public var description: String { state.lowercased() + (node.isEmpty ? "" : " on \(node)") }
    }

    /// The job of each process `up` submitted, by name (`farm`, `worker-2`, `island-3`).
    public func recorded() -> [String: String] {
        guard let data = FileManager.default.contents(atPath: jobsFile) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    func record(_ jobs: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(jobs).write(to: URL(fileURLWithPath: jobsFile), options: .atomic)
    }

    /// The jobs Slurm still holds (pending, running, completing...), each array task on its own.
    public func queue() throws(LaunchError) -> [String: HeldJob] {
        let output = try Self.run(["squeue", "--noheader", "--array", "--format=%i %T %N"])
        var jobs: [String: HeldJob] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 2 else { continue }
            jobs[fields[0]] = HeldJob(state: fields[1], node: fields.count > 2 ? fields[2] : "")
        }
        cachedQueue.withLock { $0 = (Date(), jobs) }
        return jobs
    }

    /// The queue as last asked, if that was less than a second ago, else asked again.
    func recentQueue() throws(LaunchError) -> [String: HeldJob] {
        if let cached = cachedQueue.withLock({ $0 }), Date().timeIntervalSince(cached.at) < 1 { return cached.jobs }
        return try queue()
    }

    /// Submits one process (or, with `array`, one task per index, named `<name>-<index>`); the job
    /// id of each name.
    func submit(name: String, executable: String, arguments: [String], cpus: Int, gpus: Int = 0, array: [Int]? = nil) throws -> [String: String] {
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let settings = config.launcher
        var options = [
            "--parsable", "--job-name=evod-\(name)", "--chdir=\(workingDirectory)", "--open-mode=append",
            "--output=\(logDirectory)/\(name)\(array == nil ? "" : "-%a").log", "--cpus-per-task=\(cpus)",
        ]
        if !settings.partition.isEmpty { options.append("--partition=\(settings.partition)") }
        if !settings.account.isEmpty { options.append("--account=\(settings.account)") }
        if !settings.time.isEmpty { options.append("--time=\(settings.time)") }
        if gpus > 0 { options.append("--gres=gpu:\(gpus)") }
        if let array { options.append("--array=\(array.map(String.init).joined(separator: ","))") }
        options += settings.sbatchOptions
        let command = "exec " + ([executable] + arguments).map(Self.shellQuoted).joined(separator: " ")
        let output = try Self.run(["sbatch"] + options + ["--wrap", command])
        let id = String(output.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else { throw LaunchError("sbatch did not answer with a job id: '\(output)'") }
        guard let array else { return [name: id] }
        return Dictionary(uniqueKeysWithValues: array.map { ("\(name)-\($0)", "\(id)_\($0)") })
    }

    /// Cancels `jobs` (SIGTERM to their processes, then Slurm's KillWait and SIGKILL).
    func cancel(_ jobs: [String]) throws(LaunchError) {
        guard !jobs.isEmpty else { return }
        _ = try Self.run(["scancel"] + jobs)
    }

    /// Runs a Slurm command; its standard output, or an error with its standard error.
    static func run(_ argv: [String]) throws(LaunchError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let output = Pipe(), errors = Pipe()
        (process.standardOutput, process.standardError) = (output, errors)
        do { try process.run() } catch { throw LaunchError("cannot run \(argv[0]): \(error.localizedDescription)") }
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = String(decoding: problem, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if process.terminationStatus == 127 { throw LaunchError("\(argv[0]) is not installed here: the Slurm launcher needs Slurm's client commands") }
            throw LaunchError("\(argv.prefix(1).joined()) failed (exit \(process.terminationStatus)): \(reason)")
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `text` as one word for `sh`.
    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
