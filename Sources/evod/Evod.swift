import ArgumentParser
import Evaluation
import Foundation
import Island
import Logging
import ServiceLifecycle

/// `evod`: the evod daemon. `evod --island N` runs island N of the cluster config until SIGTERM,
/// SIGINT or a `stop` from `evoctl`.
@main
struct Evod: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evod",
        abstract: "The evod daemon: runs one island of an evolutionary search for preference-optimisation losses."
    )

    @Option(help: "The island to run (1-based, as listed in the cluster config).")
    var island: Int

    @Option(help: "The cluster config.")
    var config = "configs/cluster.toml"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard island >= 1 else { throw ValidationError("--island must be 1 or more, got \(island)") }
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
        var logger = Logger(label: "evod.island")
        logger.logLevel = logLevel
        logger[metadataKey: "island"] = "\(island)"

        let cluster: ClusterConfig
        let settings: IslandSettings
        let task: TaskConfig
        do {
            cluster = try ClusterConfig.load(path: config)
            settings = try cluster.settings(forIsland: island)
            task = try cluster.task()
        } catch {
            throw ValidationError("\(error)")
        }
        guard let entry = cluster.entry(forIsland: island) else {
            throw ValidationError("\(config): there is no island \(island) (the config lists \(cluster.islands.count))")
        }
        let directory = cluster.stateDirectory(forIsland: island)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try IslandStore(path: directory + "/island.sqlite")
        let engine = try IslandEngine(settings: settings, store: store, evaluator: task.makeEvaluator())
        let controls = IslandControls()
        let token = try ControlToken.create(in: directory)
        let generation = try store.generation()
        logger.info("island starting", metadata: ["state": "\(directory)", "control": "\(entry.control)",
                                                  "generation": "\(generation)", "task": "\(task.hash)"])

        let islandService = IslandService(engine: engine, controls: controls, logger: logger)
        let controlService = ControlService(endpoint: entry.control, handler: ControlHandler(engine: engine, controls: controls, token: token),
                                            controls: controls, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: islandService, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: controlService),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        let finalGeneration = (try? store.generation()) ?? -1
        logger.info("island stopped", metadata: ["generation": "\(finalGeneration)"])
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
