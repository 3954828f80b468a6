import Cluster
import ConfigFiles
import Evaluation
import Farm
import Foundation
import Island
import LLMProposer
import Logging
import Model
import Search
import ServiceLifecycle
import UnixSignals
import Wire

/// One island of the cluster as a process runs it (`evod --island N`): its generation loop, its
/// control endpoint and, when the config has a policy, its migration endpoint, as services of one
/// group that stops on SIGTERM, SIGINT, a `stop` command or the failure of any of them. Evaluations
/// go to the local pool or to the farm.
public struct IslandDaemon: Sendable {
    public let cluster: ClusterConfig
    public let island: Int
    public let logger: Logger
    /// The signals that stop it gracefully (none in tests, which cancel the task instead).
    public let signals: [UnixSignal]

    public init(cluster: ClusterConfig, island: Int, logger: Logger, signals: [UnixSignal] = [.sigterm, .sigint]) {
        (self.cluster, self.island, self.logger, self.signals) = (cluster, island, logger, signals)
    }

    public func run() async throws {
        var logger = logger
        logger[metadataKey: "island"] = "\(island)"
        let settings: IslandSettings
        let task: TaskConfig
        let policy: MigrationPolicy?
        let proposer: any Proposer
        // A bad file is a clear error naming the file and key (ConfigError), without a usage banner.
        settings = try cluster.settings(forIsland: island)
        task = try cluster.task()
        policy = try cluster.migrationPolicy()
        var proposerDescription = "mutation"
        let loadLLM = { (path: String) throws -> LLMProposer in
            var config = try ProposerConfig.load(path: path)
            config.qualityInputs = task.suppliesQualityInputs
            return LLMProposer(config: config)
        }
        switch settings.proposer {
        case .mutation: proposer = settings.mutationProposer(qualityInputs: task.suppliesQualityInputs)
        case let .llm(path):
            let llm = try loadLLM(path)
            (proposer, proposerDescription) = (llm, llm.config.description)
        case let .scheduler(scheduler):
            let llms = try scheduler.emitters.compactMap { choice -> LLMProposer? in if case let .llm(path) = choice { try loadLLM(path) } else { nil } }
            proposer = settings.scheduler(scheduler, emitters: llms, qualityInputs: task.suppliesQualityInputs)
            proposerDescription = "scheduler over " + scheduler.emitters.map { if case .llm = $0 { llms[0].config.description } else { $0.setting } }.joined(separator: ", ")
        }
        guard let entry = cluster.entry(forIsland: island) else {
            throw DaemonError.noSuchIsland(island, config: cluster.file, count: cluster.islands.count)
        }
        let security = try cluster.daemonSecurity(logger: logger)
        let directory = cluster.stateDirectory(forIsland: island)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try StateLock(directory: directory, role: "island \(island)")
        defer { withExtendedLifetime(lock) {} }
        let store = try IslandStore(path: directory + "/island.sqlite")
        var farmClient: FarmClient?
        let evaluator: any Evaluator
        switch cluster.evaluator {
        case .local: evaluator = task.makeEvaluator()
        case .farm:
            let endpoints = cluster.endpoints
            let farm = FarmLocator(islands: { endpoints.endpoint(.farmIslands) }, control: { endpoints.endpoint(.farmControl) })
            let client = FarmClient(
                farm: farm, identity: "island-\(island)", resendInterval: cluster.farm.resendInterval, security: security, logger: logger)
            try client.start()
            farmClient = client
            evaluator = FarmEvaluator(taskHash: task.hash, island: island, client: client)
        }
        defer { farmClient?.stop() }
        let engine = try IslandEngine(
            settings: settings, store: store, evaluator: evaluator, proposer: proposer,
            confirmationTask: task.isOwnTask(.three) ? task.stageTasks[.three]?.name : nil)
        let controls = IslandControls(security: security)
        let token = try ControlToken.create(in: directory)
        let generation = try store.generation()
        logger.info(
            "island starting",
            metadata: [
                "state": "\(directory)", "control": "\(entry.control)", "security": "\(security)", "evaluator": "\(cluster.evaluator.rawValue)",
                "migration": "\(policy?.file ?? "off")", "proposer": "\(proposerDescription)", "generation": "\(generation)", "task": "\(task.hash)",
                "stages": "\(Stage.allCases.map { task.stageTasks[$0]?.name ?? "task" }.joined(separator: ","))", "audit_share": "\(engine.auditShare)",
            ])

        // Corrections from the farm (a quarantined worker's results trained again), applied one at a
        // time off the socket thread: the candidate is re-opened and evaluated again next generation.
        let corrections = DispatchQueue(label: "island-\(island).corrections")
        farmClient?.onCorrection { [engine, logger] correction, result in
            guard correction.taskHash == engine.evaluatorTaskHash else { return }
            corrections.async {
                do {
                    let outcome = try engine.applyCorrection(fingerprint: correction.fingerprint, stage: correction.stage, result: result)
                    if outcome != .unaffected {
                        logger.warning(
                            "the farm corrected a result from a quarantined worker",
                            metadata: ["fingerprint": "\(correction.fingerprint)", "stage": "\(correction.stage.rawValue)", "outcome": "\(outcome.rawValue)"])
                    }
                } catch {
                    logger.error("a correction from the farm could not be applied", metadata: ["error": "\(error)"])
                }
            }
        }
        let generations = Mailbox<Int>()
        let islandService = IslandService(
            engine: engine, controls: controls, logger: logger,
            onGeneration: { generations.post($0) },
            interrupt: { [farmClient, proposer, evaluator] in
                farmClient?.stop()
                proposer.cancel()
                evaluator.interrupt()
            })
        let controlService = ControlService(
            endpoint: cluster.endpoints.bindEndpoint(.islandControl(island)),
            publish: { [endpoints = cluster.endpoints] in try endpoints.publish(.islandControl(island), bound: $0) },
            handler: ControlHandler(
                engine: engine, controls: controls, token: token, evaluatorStatus: { [farmClient] in farmClient?.evaluatorStatus ?? .local }),
            controls: controls, security: security, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: islandService, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: controlService),
        ]
        if let policy {
            services.append(
                .init(
                    service: MigrationService(
                        engine: engine, policy: policy, entry: entry, cluster: cluster,
                        generations: generations, security: security, logger: logger)))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
        logger.info("island stopped", metadata: ["generation": "\((try? store.generation()) ?? -1)"])
    }
}
