import Cluster
import Foundation

/// Starts and stops the processes of a cluster config: forked on this host (``LocalLauncher``) or
/// submitted as Slurm jobs (``SlurmLauncher``). `evoctl up` and `evoctl down` choose one and print
/// what it reports; the launchers do the work.
public protocol Launcher {
    /// Starts the planned processes that are not running (the local launcher refuses when any of
    /// the config's processes still runs; Slurm's submits only what it no longer holds), and reports
    /// each planned process.
    func start(_ plan: [PlannedProcess], executable: String) throws(LaunchError) -> [LaunchedProcess]
    /// Whether the named process is still there: a live evod pid, a job Slurm holds.
    func isAlive(_ name: String) -> Bool
    /// Whether it has started anything it could stop (pid files, recorded jobs).
    var hasStarted: Bool { get }
    /// Stops tracking a process that exited at start, so that `down` does not look for it.
    func forget(_ name: String)
    /// Stops what it started, islands first, then workers, then the farm (each stores its state on
    /// SIGTERM), waiting up to `grace` seconds for each group; reports each process as it settles.
    func stop(grace: Double, report: (StoppedProcess) -> Void) throws(LaunchError)
}

/// A process of the cluster as `evoctl up` plans it: its name (`farm`, `worker-2`, `island-3`) and
/// its evod arguments.
public struct PlannedProcess: Sendable, Hashable {
    public var name: String
    public var arguments: [String]

    public init(name: String, arguments: [String]) { (self.name, self.arguments) = (name, arguments) }

    /// The farm and its workers (when the config uses a farm), then the islands asked for (all when
    /// `islands` is empty), each with `--config configPath`.
    public static func plan(_ config: ClusterConfig, configPath: String, islands: [Int] = []) -> [PlannedProcess] {
        let configArguments = ["--config", configPath]
        var plan: [PlannedProcess] = []
        if config.evaluator == .farm {
            plan.append(PlannedProcess(name: "farm", arguments: ["--farm"] + configArguments))
            for worker in 0..<config.farm.workers {
                plan.append(PlannedProcess(name: "worker-\(worker + 1)", arguments: ["--worker"] + configArguments))
            }
        }
        for entry in config.islands where islands.isEmpty || islands.contains(entry.id) {
            plan.append(PlannedProcess(name: "island-\(entry.id)", arguments: ["--island", "\(entry.id)"] + configArguments))
        }
        return plan
    }

    /// The order processes stop in: islands (which store their state), then workers, then the farm.
    static func stoppingRank(_ name: String) -> Int { name.hasPrefix("island") ? 0 : name.hasPrefix("worker") ? 1 : 2 }
}

/// One planned process after `start`: how to find it and where it logs.
public struct LaunchedProcess: Sendable, Hashable {
    public var name: String
    /// `pid 4242` or `job 31`.
    public var handle: String
    /// What the launcher did, where it says more than the handle: `submitted (pending)`, `already queued`.
    public var note: String?
    public var log: String
}

extension LaunchedProcess {
    /// The last `lines` lines of its log: why a process that exited at start did.
    public func logTail(lines: Int = 5) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// One process after `stop`.
public struct StoppedProcess: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// It was not running (or not in Slurm's queue) when asked to stop.
        case notRunning
        /// It exited (or left Slurm's queue) this many seconds after SIGTERM (or scancel).
        case stopped(seconds: Double)
        /// It did not exit within the grace: killed (local), or still in Slurm's queue.
        case outlastedGrace(seconds: Double)
    }

    public var name: String
    /// `pid 4242` or `job 31`.
    public var handle: String
    public var outcome: Outcome
}

/// Why a launcher could not do what was asked, in words fit for `evoctl`'s user.
public struct LaunchError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
