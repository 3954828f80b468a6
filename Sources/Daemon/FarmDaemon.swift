import Cluster
import ConfigFiles
import Evaluation
import Farm
import Foundation
import Island
import Logging
import ServiceLifecycle

/// The farm's processes: the broker (`evod --farm`) and a worker (`evod --worker`), each a service
/// group that stops on SIGTERM, SIGINT or (the broker) a `stop` command.
public enum FarmDaemon {
    /// Runs the farm broker: islands' requests in, jobs out to workers, results back, a result cache.
    public static func runBroker(cluster: ClusterConfig, logger: Logger) async throws {
        let directory = cluster.farmDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try StateLock(directory: directory, role: "the farm")
        defer { withExtendedLifetime(lock) {} }
        let cache = try ResultCache(path: directory + "/cache.sqlite", limit: cluster.farm.cacheLimit)
        let token = try ControlToken.create(in: directory)
        let security = try cluster.daemonSecurity(logger: logger)
        let endpoints = cluster.endpoints
        var settings = cluster.farm
        (settings.islandsEndpoint, settings.workersEndpoint, settings.controlEndpoint) =
            (endpoints.bindEndpoint(.farmIslands), endpoints.bindEndpoint(.farmWorkers), endpoints.bindEndpoint(.farmControl))
        let broker = try BrokerServer(
            settings: settings, audit: settings.audit(for: try cluster.task()), cache: cache, token: token, security: security,
            publish: { bound in
                for (name, endpoint) in zip([EndpointDirectory.Name.farmIslands, .farmWorkers, .farmControl], bound) {
                    try endpoints.publish(name, bound: endpoint)
                }
            }, logger: logger)
        let service = BlockingService(name: "broker", stop: { broker.stop() }, body: { try broker.run() })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Runs one worker: evaluates the broker's jobs with the config's task on `threads` threads
    /// (default: the config's), connected to `endpoint` (default: the config's worker endpoint).
    public static func runWorker(cluster: ClusterConfig, threads: Int?, endpoint: String?, logger: Logger) async throws {
        var logger = logger
        logger[metadataKey: "pid"] = "\(getpid())"
        let task = try cluster.task()
        let security = try cluster.daemonSecurity(logger: logger)
        let endpoints = cluster.endpoints
        let worker = FarmWorker(
            evaluator: task.makeEvaluator(), locateBroker: { endpoint ?? endpoints.endpoint(.farmWorkers) },
            threads: threads ?? cluster.farm.threadsPerWorker, heartbeatInterval: cluster.farm.heartbeatInterval, security: security,
            logger: logger)
        let service = BlockingService(name: "worker", stop: { worker.stop() }, body: { try worker.run() })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("worker stopped", metadata: ["evaluated": "\(worker.done)"])
    }
}
