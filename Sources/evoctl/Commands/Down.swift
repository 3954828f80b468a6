import ArgumentParser
import Foundation
import Glibc

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
        let launcher = ProcessLauncher(stateDirectory: config.stateDirectory)
        let slurm = SlurmLauncher(config: config, workingDirectory: FileManager.default.currentDirectoryPath)
        let daemons = launcher.recorded(), jobs = slurm.recorded()
        guard !daemons.isEmpty || !jobs.isEmpty else {
            print("nothing to stop (no pids under \(launcher.pidDirectory), no Slurm jobs in \(slurm.jobsFile))")
            return
        }
        stopLocal(daemons, launcher: launcher)
        if !jobs.isEmpty {
            do { try stopSlurm(jobs, slurm: slurm) } catch { throw CommandFailure("\(error)") }
        }
    }

    /// Islands, then workers, then the farm: SIGTERM, wait, SIGKILL.
    func stopLocal(_ daemons: [ProcessLauncher.Daemon], launcher: ProcessLauncher) {
        for group in ["island", "worker", "farm"] {
            let members = daemons.filter { $0.name.hasPrefix(group) }
            let live = members.filter { ProcessLauncher.isRunning($0.pid) }
            for daemon in live { kill(daemon.pid, SIGTERM) }
            let deadline = Date().addingTimeInterval(grace)
            let started = Date()
            var waiting = live
            while !waiting.isEmpty, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
                waiting = waiting.filter { ProcessLauncher.isRunning($0.pid) }
            }
            for daemon in members {
                let name = daemon.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                if !live.contains(where: { $0.pid == daemon.pid }) {
                    print("\(name) pid \(daemon.pid)  was not running")
                } else if waiting.contains(where: { $0.pid == daemon.pid }) {
                    kill(daemon.pid, SIGKILL)
                    print("\(name) pid \(daemon.pid)  killed (no exit \(Int(grace)) s after SIGTERM)")
                } else {
                    print("\(name) pid \(daemon.pid)  stopped (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
                }
                launcher.forget(daemon)
            }
        }
    }
}
