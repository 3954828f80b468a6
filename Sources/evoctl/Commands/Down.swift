import ArgumentParser
import Foundation
import Launch

/// `evoctl down`: stops what `evoctl up` started, gracefully.
struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop the processes `evoctl up` started: SIGTERM, wait, then SIGKILL what is left; report each.",
        discussion: """
            Islands stop first (after storing their current state), then workers, then the farm. Slurm jobs that \
            `up --launcher slurm` submitted are cancelled (scancel: SIGTERM, then Slurm's KillWait and SIGKILL), \
            and `down` waits until Slurm holds none of them.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Seconds to wait for each process to exit after SIGTERM before SIGKILL.")
    var grace: Double = 15

    func run() throws {
        let config = try cluster.loadCluster()
        let local = LocalLauncher(stateDirectory: config.stateDirectory)
        let slurm = SlurmLauncher(config: config, workingDirectory: FileManager.default.currentDirectoryPath)
        guard local.hasStarted || slurm.hasStarted else {
            print("nothing to stop (no pids under \(local.pidDirectory), no Slurm jobs in \(slurm.jobsFile))")
            return
        }
        if local.hasStarted { local.stop(grace: grace) { print(Self.line($0, local: true)) } }
        if slurm.hasStarted {
            do { try slurm.stop(grace: grace) { print(Self.line($0, local: false)) } } catch { throw CommandFailure(error.description) }
        }
    }

    /// `island-1    pid 4242  stopped (0.3 s)`, `farm       job 31  cancelled (1.2 s)`.
    static func line(_ stopped: StoppedProcess, local: Bool) -> String {
        let what: String
        switch stopped.outcome {
        case .notRunning: what = local ? "was not running" : "was not in Slurm's queue"
        case let .stopped(seconds): what = "\(local ? "stopped" : "cancelled") (\(String(format: "%.1f", seconds)) s)"
        case let .outlastedGrace(seconds):
            what = local ? "killed (no exit \(Int(seconds)) s after SIGTERM)" : "still in Slurm's queue \(Int(seconds)) s after scancel"
        }
        return "\(stopped.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(stopped.handle)  \(what)"
    }
}
