import ArgumentParser
import Cluster
import Daemon
import Evaluation
import Foundation
import Logging

/// `evod`: the evod daemon, in one of three roles: `--island N` runs island N of the cluster config,
/// `--farm` the evaluator farm's broker, `--worker` an evaluation worker. Each runs until SIGTERM,
/// SIGINT or a `stop` from `evoctl`.
@main
struct Evod: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evod",
        abstract: "The evod daemon: an island of the search, the evaluator farm's broker, or a worker.",
        discussion: "Exactly one of --island N, --farm and --worker."
    )

    @Option(help: "Run island N (1-based, as listed in the cluster config).")
    var island: Int?

    @Flag(help: "Run the evaluator farm's broker.")
    var farm = false

    @Flag(help: "Run an evaluation worker.")
    var worker = false

    @Option(help: "Worker: evaluation threads (default: the config's farm.threads_per_worker).")
    var threads: Int?

    @Option(help: "Worker: the broker's worker endpoint (default: the config's).")
    var connect: String?

    @Option(help: "The cluster config.")
    var config = "configs/cluster.toml"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        let roles = [island != nil, farm, worker].filter { $0 }.count
        guard roles == 1 else { throw ValidationError("choose exactly one of --island N, --farm and --worker") }
        if let island, island < 1 { throw ValidationError("--island must be 1 or more, got \(island)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more, got \(threads)") }
        if (threads != nil || connect != nil) && !worker { throw ValidationError("--threads and --connect apply to --worker only") }
    }

    static func main() async {
        OpenBLASEnvironment.ensureSingleThreaded()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
        } catch {
            exit(withError: error)
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let cluster = try ClusterConfig.load(path: config)
        if let island {
            try await IslandDaemon(cluster: cluster, island: island, logger: logger("evod.island")).run()
        } else if farm {
            try await FarmDaemon.runBroker(cluster: cluster, logger: logger("evod.farm"))
        } else {
            try await FarmDaemon.runWorker(cluster: cluster, threads: threads, endpoint: connect, logger: logger("evod.worker"))
        }
    }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
