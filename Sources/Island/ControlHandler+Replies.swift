import Control
import Foundation
import Model
import Search

extension ControlHandler {
    func status() throws -> IslandStatus {
        let archive = engine.archive
        let fittest = archive.elites.values.max { ($0.fitness, -$0.candidate) < ($1.fitness, -$1.candidate) }
        let stored = try engine.store.storedStatus(fittestElite: fittest?.candidate)
        let counters = stored.counters
        var best: BestSummary?
        if let candidate = stored.best, let fitness = candidate.confirmedFitness ?? candidate.fitness, let id = candidate.id {
            best = BestSummary(id: id, name: candidate.name, fitness: fitness, searchFitness: candidate.fitness, confirmed: candidate.confirmedFitness != nil)
        }
        var evaluations = EvaluationCounts()
        (evaluations.done, evaluations.failed) = (counters[.evaluationsDone], counters[.evaluationsFailed])
        (evaluations.cached, evaluations.inflight) = (counters[.evaluationsCached], stored.pending)
        (evaluations.confirmed, evaluations.confirmationFailed) = (counters[.confirmations], counters[.confirmationsFailed])
        evaluations.audited = counters[.audits]
        let audit = engine.auditStatus(pairs: stored.auditPairs)
        var proposals = ProposalCounts()
        // A valid, new proposal is recorded pending, so the pending count of proposals is the valid ones.
        (proposals.valid, proposals.invalid) = (counters[.proposals(.pending)], counters[.proposals(.invalid)])
        proposals.duplicate = counters[.proposals(.duplicate)]
        var migration = MigrationCounts()
        (migration.sent, migration.received) = (counters[.migrantsSent], counters[.messagesReceived])
        (migration.accepted, migration.rejected) = (counters[.migrantsAccepted], counters[.migrantsRejected])
        (migration.dropped, migration.resets) = (counters[.messagesDropped], counters[.resets])
        var status = IslandStatus(
            id: engine.settings.id, state: controls.current, generation: stored.generation, population: stored.population,
            archive: ArchiveSummary(
                filled: archive.filled, cells: archive.bins.cellCount, coverage: archive.coverage, qdScore: archive.qdScore(floor: engine.settings.qdFloor)),
            best: best, evaluations: evaluations, proposals: proposals, migration: migration,
            proposer: try engine.proposerStatus(), evaluator: evaluatorStatus(),
            fault: controls.fault.map { Fault(error: $0.message, seconds: Date().timeIntervalSince($0.since)) },
            uptimeSeconds: Date().timeIntervalSince(controls.started), droppedMessages: controls.droppedMessages,
            security: controls.securityStatus, warnings: controls.warnings + (audit.flatMap(IslandEngine.auditWarning).map { [$0] } ?? []), audit: audit)
        status.confirmationTask = engine.confirmationTask
        return status
    }

    /// The best candidates: the confirmed ones by confirmed fitness, then the archive's other elites
    /// by search fitness (docs/architecture.md §5.4: "best" means best confirmed).
    func best(top: Int) throws -> [CandidateRecord] {
        let top = max(top, 0)
        var pool: [Int64: CandidateRecord] = [:]
        for record in try engine.store.bestConfirmed(limit: top) { if let id = record.id { pool[id] = record } }
        let elites = engine.archive.elites.values.sorted { ($0.fitness, -$0.candidate) > ($1.fitness, -$1.candidate) }
        for elite in elites.prefix(top + pool.count) where pool[elite.candidate] == nil {
            if let record = try engine.store.candidate(elite.candidate) { pool[elite.candidate] = record }
        }
        return pool.values.sorted { ($0.rankingKey, -($0.id ?? 0)) > ($1.rankingKey, -($1.id ?? 0)) }.prefix(top).map { $0 }
    }

    /// The migration log summed by direction, peer and outcome (every rejection reason as `rejected`).
    func migrations() throws -> [MigrationFlow] {
        var flows: [String: (flow: MigrationFlow, messages: Set<Int>)] = [:]
        for entry in try engine.store.migrationLog() {
            let key = "\(entry.direction.rawValue)|\(entry.peer)"
            var group = flows[key] ?? (MigrationFlow(direction: entry.direction, peer: entry.peer, candidates: 0, messages: 0, outcomes: [:]), [])
            group.flow.candidates += 1
            group.messages.insert(entry.sequence)
            group.flow.outcomes[entry.outcome.hasPrefix("rejected") ? "rejected" : entry.outcome, default: 0] += 1
            group.flow.messages = group.messages.count
            flows[key] = group
        }
        return flows.keys.sorted().compactMap { flows[$0]?.flow }
    }

    func archive() -> ArchiveSnapshot {
        let archive = engine.archive
        let bins = archive.bins
        return ArchiveSnapshot(
            island: engine.settings.id,
            bins: bins,
            cells: archive.ordered.map { cell, elite in
                let (c, g, s) = bins.coordinates(of: cell)
                return .init(cell: cell, convexityBin: c, grad0Bin: g, betaSensitivityBin: s, candidate: elite.candidate, fitness: elite.fitness)
            })
    }

    /// A candidate as `show` and `best` return it.
    static func summary(_ c: CandidateRecord) -> CandidateSummary {
        var summary = CandidateSummary(
            id: c.id ?? -1, name: c.name, generation: c.generation, source: c.source, parents: c.parents, proposer: c.proposer, status: c.status)
        (summary.canonical, summary.fingerprint, summary.error, summary.duplicateOf) = (c.canonical, c.fingerprint, c.error, c.duplicateOf)
        (summary.fitness, summary.stage, summary.outcome) = (c.fitness, c.stage, c.outcome)
        (summary.confirmedFitness, summary.confirmedDifference) = (c.confirmedFitness, c.confirmedDifference)
        (summary.confirmedStandardError, summary.confirmedBy) = (c.confirmedStandardError, c.confirmedBy)
        (summary.metrics, summary.members, summary.confirmedMembers) = (c.metrics, c.members, c.confirmedMembers)
        if let convexity = c.convexity, let grad0 = c.grad0, let s = c.betaSensitivity {
            summary.descriptors = Descriptors(convexity: convexity, grad0: grad0, betaSensitivity: s)
        }
        return summary
    }
}
