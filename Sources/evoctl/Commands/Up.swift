import ArgumentParser
import Cluster
import Foundation

/// `evoctl up`: starts the farm, its workers and the islands of a config as separate processes.
struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the cluster of a config on this host: the farm, its workers and every island, each its own process.",
        discussion: "Pids go to <state>/pids, logs to <state>/logs. Returns once every process is up; `evoctl down` stops them."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The evod executable (default: the one next to evoctl).")
    var evod: String?

    @Option(help: "Only these islands (default: all of the config's).")
    var islands: [Int] = []

    func run() throws {
        let config = try cluster.loadCluster()
        let executable = evod ?? Self.siblingEvod()
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw CommandFailure("cannot find evod at \(executable); build it (make release) or pass --evod PATH")
        }
        let launcher = ProcessLauncher(stateDirectory: config.stateDirectory)
        let running = launcher.recorded().filter { ProcessLauncher.isRunning($0.pid) }
        guard running.isEmpty else {
            throw CommandFailure("already running: \(running.map { "\($0.name) (pid \($0.pid))" }.joined(separator: ", ")); run `evoctl down` first")
        }
        let configArguments = ["--config", cluster.config]
        var plan: [(String, [String])] = []
        if config.evaluator == .farm {
            plan.append(("farm", ["--farm"] + configArguments))
            for worker in 0..<config.farm.workers { plan.append(("worker-\(worker + 1)", ["--worker"] + configArguments)) }
        }
        for entry in config.islands where islands.isEmpty || islands.contains(entry.id) {
            plan.append(("island-\(entry.id)", ["--island", "\(entry.id)"] + configArguments))
        }
        var started: [ProcessLauncher.Daemon] = []
        for (name, arguments) in plan {
            started.append(try launcher.start(name: name, executable: executable, arguments: arguments))
        }
        // A daemon that cannot start (a bad config, a port in use) exits within a moment.
        Thread.sleep(forTimeInterval: 1)
        var failed = false
        for daemon in started {
            let alive = ProcessLauncher.isRunning(daemon.pid)
            print("\(daemon.name.padding(toLength: 10, withPad: " ", startingAt: 0)) pid \(daemon.pid)  \(alive ? "up" : "EXITED")  log \(daemon.log)")
            if !alive {
                failed = true
                launcher.forget(daemon)
                print(ProcessLauncher.tail(daemon.log).split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
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
