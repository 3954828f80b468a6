import Dispatch
import Evaluation
import LossDescriptors
import LossLanguage
import Search
import Synchronization

extension IslandEngine {
    /// Evaluates every pending candidate, at most `evaluationsInFlight` at a time (the local pool),
    /// each through the cascade, then inserts it into the archive and stores it in one transaction.
    func evaluatePending(_ report: inout GenerationReport) throws {
        let pending = try store.candidates(status: .pending)
        let tallies = Mutex(report)
        let firstError = Mutex<(any Error)?>(nil)
        let width = max(1, settings.evaluationsInFlight)
        for start in stride(from: 0, to: pending.count, by: width) {
            let chunk = Array(pending[start..<min(start + width, pending.count)])
            DispatchQueue.concurrentPerform(iterations: chunk.count) { i in
                do {
                    let added = try evaluate(chunk[i])
                    tallies.withLock { t in
                        if let added { t.evaluated += 1; if added { t.added += 1 } } else { t.failed += 1 }
                    }
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                }
            }
            if let error = firstError.withLock({ $0 }) { throw error }
        }
        report = tallies.withLock { $0 }
    }

    /// Evaluates one candidate; returns whether it entered the archive, or nil when it failed.
    func evaluate(_ candidate: CandidateRecord) throws -> Bool? {
        guard let id = candidate.id, let canonical = candidate.canonical, let graph = try? LossParser.parse(canonical).graph else {
            if let id = candidate.id { try store.fail(candidate: id, reason: "the stored form does not parse", stage: .one, parentCells: []) }
            return nil
        }
        let parentCells = try candidate.parentIDs.compactMap { try store.candidate($0) }.compactMap { parent -> Int? in
            guard let c = parent.convexity, let g = parent.grad0, let s = parent.betaSensitivity else { return nil }
            return settings.bins.cell(of: Descriptors(convexity: c, grad0: g, betaSensitivity: s))
        }
        var result = evaluator.evaluate(graph, name: candidate.name, stage: .one)
        if result.failed == nil, let fitness = result.fitness, fitness >= settings.promotionThreshold {
            result = evaluator.evaluate(graph, name: candidate.name, stage: .two)
        }
        if let reason = result.failed {
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
        guard let fitness = result.fitness else { return nil }
        // Insert and persist under the lock, so the stored archive follows the same order as memory.
        return try withArchiveLock { archive in
            let outcome = archive.insert(candidate: id, fitness: fitness, descriptors: descriptors)
            try store.complete(candidate: id, result: result, descriptors: descriptors, outcome: outcome, parentCells: parentCells)
            return outcome.label != "not added"
        }
    }
}
