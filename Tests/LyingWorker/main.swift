import Cluster
import Daemon
import Evaluation
import Farm
import Foundation
import Logging
import LossLanguage
import Model

// A farm worker that holds the cluster key and lies (issue 38's tests and `make soak`): it is
// evod's own FarmWorker with an evaluator that computes each true result and reports it raised
// by `--raise X`, or, with `--malformed`, answers each job with a result of the wrong stage.
//
//   evod-liar --config cluster.toml (--raise 0.05 | --malformed) [--threads N]

/// The task's evaluator, lying.
struct LyingEvaluator: Evaluator {
    let honest: any Evaluator
    let raise: Double
    let malformed: Bool
    var taskHash: String { honest.taskHash }

    func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
        var result = honest.evaluate(loss, name: name, stage: stage)
        if malformed { result.stage = stage == .one ? .two : .one }
        result.fitness = result.fitness.map { $0 + raise }
        result.members = result.members?.map { member in
            var member = member
            member.fitness += raise
            return member
        }
        return result
    }

    func interrupt() { honest.interrupt() }
}

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

guard let path = option("--config") else {
    FileHandle.standardError.write(Data("usage: evod-liar --config cluster.toml (--raise X | --malformed) [--threads N]\n".utf8))
    exit(2)
}
LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
var logger = Logger(label: "evod.liar")
logger.logLevel = .info
do {
    let cluster = try ClusterConfig.load(path: path)
    let evaluator = LyingEvaluator(
        honest: try cluster.task().makeEvaluator(), raise: option("--raise").flatMap(Double.init) ?? 0,
        malformed: CommandLine.arguments.contains("--malformed"))
    let endpoints = cluster.endpoints
    let worker = FarmWorker(
        evaluator: evaluator, locateBroker: { endpoints.endpoint(.farmWorkers) }, threads: option("--threads").flatMap(Int.init) ?? 1,
        heartbeatInterval: cluster.farm.heartbeatInterval, security: try cluster.daemonSecurity(logger: logger), logger: logger)
    signal(SIGTERM, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGTERM)
    source.setEventHandler { worker.stop() }
    source.resume()
    try worker.run()
} catch {
    logger.error("the lying worker failed: \(error)")
    exit(1)
}
