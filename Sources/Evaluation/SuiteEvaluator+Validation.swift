import Foundation
import LossLanguage
import Synchronization

extension SuiteEvaluator {
    /// A loss to validate: its name, its graph, and whether it is a standard loss (a comparison)
    /// or a candidate (a verdict).
    public typealias ValidatedLoss = (name: String, graph: LossGraph, standard: Bool)

    /// How many (task, held-out seed, loss) units ``validate(_:threads:progress:)`` trains.
    public func validationUnitCount(losses: Int) -> Int {
        validationTasks.reduce(0) { $0 + member($1).heldoutSeeds.count } * losses
    }

    /// `evoctl validate`'s work: trains every loss on every validation task's held-out seeds (each
    /// member's, the transfer tasks', and a cascade's stage-3 task's), one (task, seed, loss) unit
    /// at a time on each of `threads` threads, and compares them (``ValidationReport``). `progress` is
    /// called once per finished unit. Nil when ``interrupt()`` stopped it.
    public func validate(_ losses: [ValidatedLoss], threads: Int = ProcessInfo.processInfo.activeProcessorCount, progress: @Sendable () -> Void = {})
        -> ValidationReport?
    {
        struct Unit {
            let target: ValidationTask
            let seed: UInt64
            let loss: Int
        }
        let units = validationTasks.flatMap { target in
            member(target).heldoutSeeds.flatMap { seed in losses.indices.map { Unit(target: target, seed: seed, loss: $0) } }
        }
        let results = Mutex([MemberRuns?](repeating: nil, count: units.count))
        let next = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            while true {
                let index = next.withLock { n -> Int in
                    defer { n += 1 }
                    return n
                }
                guard index < units.count else { return }
                let unit = units[index]
                let outcome = validationRuns(of: losses[unit.loss].graph, name: losses[unit.loss].name, on: unit.target, seed: unit.seed)
                results.withLock { $0[index] = outcome }
                progress()
            }
        }
        let outcomes = results.withLock { $0 }
        if outcomes.contains(where: { $0?.failed == EvaluationResult.interruptedReason }) { return nil }
        var runs: [String: [String: [RunRecord]]] = [:]
        var failures: [String: [String: String]] = [:]
        for (unit, outcome) in zip(units, outcomes) {
            guard let outcome else { continue }
            let task = member(unit.target).name, loss = losses[unit.loss].name
            if let failed = outcome.failed { failures[task, default: [:]][loss] = failures[task]?[loss] ?? failed }
            runs[task, default: [:]][loss, default: []] += outcome.runs
        }
        var scores: [String: [String: SeedScores]] = [:]
        for target in validationTasks {
            let task = member(target)
            for loss in losses where failures[task.name]?[loss.name] == nil {
                scores[task.name, default: [:]][loss.name] = SeedScores(
                    runs: runs[task.name]?[loss.name] ?? [], weights: [task.name: task.weight], fitnessKey: fitnessKey(of: target))
            }
        }
        let tasks = validationTasks.map { target -> (name: String, kind: ValidationReport.TaskKind) in
            switch target {
            case .member: (member(target).name, .member)
            case .transfer: (member(target).name, .transfer)
            case .confirmation: (member(target).name, .confirmation)
            }
        }
        return ValidationReport(tasks: tasks, losses: losses.map { (name: $0.name, standard: $0.standard) }, scores: scores, failures: failures)
    }
}
