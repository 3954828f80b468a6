import Control
import Dispatch
import Evaluation
import Foundation
import LossDescriptors
import LossLanguage
import Model
import Search
import Synchronization

extension IslandEngine {
    /// Evaluates every pending candidate, at most `evaluationsInFlight` at a time (the local pool),
    /// each through the cascade, then inserts it into the archive and stores it in one transaction.
    func evaluatePending(_ report: inout GenerationReport) throws {
        let pending = try store.candidates(status: .pending)
        let tallies = Mutex(report)
        let firstError = Mutex<(any Error)?>(nil)
        let next = Mutex(0)
        // One thread per evaluation in flight (not Dispatch's pool, which is as wide as the cores:
        // with the farm, an evaluation in flight is a thread waiting on a socket).
        let width = min(max(1, settings.evaluationsInFlight), pending.count)
        let finished = DispatchGroup()
        for index in 0..<width {
            finished.enter()
            let thread = Thread { [self] in
                defer { finished.leave() }
                while firstError.withLock({ $0 == nil }) {
                    let i = next.withLock { n -> Int in
                        defer { n += 1 }; return n
                    }
                    guard i < pending.count else { return }
                    do {
                        let added = try evaluate(pending[i])
                        tallies.withLock { t in
                            if let added { t.evaluated += 1; if added { t.added += 1 } } else { t.failed += 1 }
                        }
                    } catch {
                        firstError.withLock { if $0 == nil { $0 = error } }
                    }
                }
            }
            thread.name = "evaluation-\(index)"
            thread.start()
        }
        finished.wait()
        if let error = firstError.withLock({ $0 }) { throw error }
        report = tallies.withLock { $0 }
    }

    /// Evaluates one candidate; returns whether it entered the archive, or nil when it failed.
    func evaluate(_ candidate: CandidateRecord) throws -> Bool? {
        guard let id = candidate.id, let canonical = candidate.canonical, let graph = try? LossParser.parse(canonical).graph else {
            if let id = candidate.id { try store.fail(candidate: id, reason: "the stored form does not parse", stage: .one, parentCells: []) }
            return nil
        }
        let parentCells = try candidate.parents.compactMap { try store.candidate($0) }.compactMap { parent -> Int? in
            guard let c = parent.convexity, let g = parent.grad0, let s = parent.betaSensitivity else { return nil }
            return settings.bins.cell(of: Descriptors(convexity: c, grad0: g, betaSensitivity: s))
        }
        var result = evaluator.evaluate(graph, name: candidate.name, stage: .one)
        if result.failed == nil, let fitness = result.fitness, fitness >= settings.promotionThreshold {
            result = evaluator.evaluate(graph, name: candidate.name, stage: .two)
        }
        if result.isInterrupted { throw IslandError.interrupted }
        // A result is a finite fitness or a failure; anything else (a broken command evaluator, a
        // farm result with neither) fails the candidate rather than leaving it pending for ever.
        guard result.failed == nil, let fitness = result.fitness, fitness.isFinite else {
            let reason = result.failed ?? result.fitness.map { "the evaluator returned a non-finite fitness (\($0))" } ?? "the evaluator returned neither a fitness nor a failure"
            try store.fail(candidate: id, reason: reason, stage: result.stage, parentCells: parentCells)
            return nil
        }
        // Descriptors come with the result (computed where it was evaluated); computed here otherwise.
        let descriptors: Descriptors
        if let given = result.descriptors {
            descriptors = given
        } else {
            do { descriptors = try Descriptors(of: graph) } catch {
                try store.fail(candidate: id, reason: "\(error)", stage: result.stage, parentCells: parentCells)
                return nil
            }
        }
        // Insert and persist under the lock, so the stored archive follows the same order as memory.
        let scores = SeedScores(result)
        let added = try withArchiveLock { archive in
            // Parsimony weighs the difference to the cell's elite against its paired standard error.
            let noise = try archive.elites[archive.bins.cell(of: descriptors)].flatMap { incumbent in
                try store.seedScores(candidate: incumbent.candidate).map { scores.difference(to: $0).standardError }
            }
            let outcome = archive.insert(
                candidate: id, fitness: fitness, descriptors: descriptors, size: graph.size, rule: settings.replacement, noise: noise)
            try store.complete(candidate: id, result: result, descriptors: descriptors, outcome: outcome, parentCells: parentCells, seedScores: scores)
            return outcome.isAdded
        }
        if result.stage == .two, try !confirmIfTopK(id, graph: graph, name: candidate.name, searchFitness: fitness) {
            try auditIfDrawn(id, graph: graph, name: candidate.name)
        }
        return added
    }
}
