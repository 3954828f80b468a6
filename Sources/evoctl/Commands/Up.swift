import ArgumentParser
import Cluster
import Foundation
import Launch

extension LauncherKind: ExpressibleByArgument {}

/// `evoctl up`: starts the farm, its workers and the islands of a config as separate processes,
/// forked on this host or submitted to Slurm (`--launcher slurm`, which also resumes what Slurm ended).
struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the cluster of a config: the farm, its workers and every island, each its own process (on this host, or as Slurm jobs).",
        discussion: """
            Pids go to <state>/pids (Slurm job ids to <state>/slurm-jobs.json), logs to <state>/logs. Makes the \
            cluster key when it is absent. Returns once every process is ready (or has exited, or --wait has \
            passed), with a progress line while it waits when standard error is a terminal; `evoctl down` stops \
            them. Under Slurm, only the processes Slurm no longer holds are submitted: run it again to resume a job \
            that a time limit or preemption ended.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The evod executable (default: the one next to evoctl).")
    var evod: String?

    @Option(help: "Only these islands (default: all of the config's).")
    var islands: [Int] = []

    @Option(help: "How to run the processes: local (forked on this host) or slurm (sbatch jobs; default: the config's [launcher] kind).")
    var launcher: LauncherKind?

    @Option(help: "Seconds to wait for every process to be ready: the farm and each island answering on its control endpoint, each worker registered with the farm.")
    var wait: Double = 30

    func validate() throws {
        guard wait >= 0, wait.isFinite else { throw ValidationError("--wait must be a number of seconds >= 0, got \(wait)") }
    }

    func run() throws {
        let config = try cluster.loadCluster()
        let executable = evod ?? Self.siblingEvod()
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CommandFailure("cannot find evod at \(executable); build it (make release) or pass --evod PATH")
        }
        if config.curve, !FileManager.default.fileExists(atPath: config.clusterKeyPath) {
            do { try ClusterKey.create(at: config.clusterKeyPath) } catch { throw CommandFailure("\(error)") }
            print("made the cluster key \(config.clusterKeyPath) (mode 0600); copy it to every host that joins this cluster")
        }
        let chosen: any Launcher
        switch launcher ?? config.launcher.kind {
        case .local: chosen = LocalLauncher(stateDirectory: config.stateDirectory)
        case .slurm: chosen = SlurmLauncher(config: config, workingDirectory: FileManager.default.currentDirectoryPath)
        }
        let plan = PlannedProcess.plan(config, configPath: cluster.config, islands: islands)
        let launched: [LaunchedProcess]
        do { launched = try chosen.start(plan, executable: executable) } catch { throw CommandFailure(error.description) }
        let readiness = Readiness(access: try cluster.access(config, timeoutMilliseconds: 500), names: launched.map(\.name), isAlive: chosen.isAlive)
        let progress = ProgressLine("up", total: launched.count, unit: "processes ready")
        let report = readiness.wait(seconds: wait) { progress.update(done: $0) }
        progress.finish()
        var failed = false
        for process in launched {
            let state = report[process.name] ?? .exited
            let note = process.note.map { " " + $0 } ?? ""
            print("\(process.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(process.handle)\(note)  \(state.label)  log \(process.log)")
            if state == .exited {
                failed = true
                chosen.forget(process.name)
                print(process.logTail().split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// `evod` in the directory of this evoctl executable.
    static func siblingEvod() -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("evod").path
    }
}
