import ArgumentParser
import Configuration
import Evaluation
import Farm
import Foundation
import Island
import Logging
import ServiceLifecycle

extension Evod {
    /// Runs the farm broker: islands' requests in, jobs out to workers, results back, a result cache.
    func runFarm(cluster: ClusterConfig) async throws {
        let logger = logger("evod.farm")
        let directory = cluster.farmDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try StateLock(directory: directory, role: "the farm")
        defer { withExtendedLifetime(lock) {} }
        let cache = try ResultCache(path: directory + "/cache.sqlite")
        let token = try ControlToken.create(in: directory)
        let broker = BrokerServer(settings: cluster.farm, cache: cache, token: token, logger: logger)
        let service = BlockingService(name: "broker", stop: { broker.stop() }, body: { try broker.run() })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Runs one worker: evaluates the broker's jobs with the config's task on `--threads` threads.
    func runWorker(cluster: ClusterConfig) async throws {
        var logger = logger("evod.worker")
        logger[metadataKey: "pid"] = "\(getpid())"
        let task = try cluster.task()
        let worker = FarmWorker(
            evaluator: task.makeEvaluator(), endpoint: connect ?? cluster.farm.workersEndpoint,
            threads: threads ?? cluster.farm.threadsPerWorker, heartbeatInterval: cluster.farm.heartbeatInterval, logger: logger)
        let service = BlockingService(name: "worker", stop: { worker.stop() }, body: { try worker.run() })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("worker stopped", metadata: ["evaluated": "\(worker.done)"])
    }
}
