import Cluster
import Control
import Dispatch
import Foundation
import LossDescriptors
import LossLanguage
import Model
import Search
import Synchronization

extension IslandEngine {
    /// Chooses this migration's emigrants under the policy, records the migration (emptying their
    /// cells when the policy moves them) and returns the message to send to `peers`.
    public func emigrate(policy: MigrationPolicy, peers: [Int], generation: Int) throws -> MigrantMessage? {
        guard !peers.isEmpty else { return nil }
        return try withArchiveLock { archive -> MigrantMessage? in
            let chosen = Self.choose(
                policy.emigrants, from: archive, by: policy.selection,
                random: RandomSource(seed: settings.seed ^ 0x6D69_6772 &+ UInt64(generation)),
                rank: { rankingKey(of: $0.candidate, search: $0.fitness) })
            var migrants: [Migrant] = []
            var sent: [(candidate: Int64, fingerprint: String, cell: Int)] = []
            for (cell, elite) in chosen {
                guard let record = try store.candidate(elite.candidate), let canonical = record.canonical, let fingerprint = record.fingerprint else { continue }
                migrants.append(
                    Migrant(
                        source: canonical, fingerprint: fingerprint, fitness: elite.fitness, stage: record.stage ?? .one,
                        metrics: record.metrics ?? [:], descriptors: elite.descriptors,
                        lineage: .init(
                            island: settings.id, id: elite.candidate, name: record.name, parents: record.parents,
                            proposer: record.proposer, generation: record.generation)))
                sent.append((elite.candidate, fingerprint, cell))
            }
            guard !migrants.isEmpty else { return nil }
            let sequence = try store.nextMigrationSequence()
            try store.recordEmigration(sent, peers: peers, sequence: sequence, moved: policy.mode == .move)
            if policy.mode == .move { for emigrant in sent { archive.remove(cell: emigrant.cell) } }
            return MigrantMessage(
                source: settings.id, sequence: sequence, taskHash: evaluator.taskHash,
                sentAt: Date().timeIntervalSince1970, candidates: migrants)
        }
    }

    /// The elites to send: the fittest, random ones, or a spread (each next one the farthest in
    /// descriptor space from those already chosen, starting from the fittest).
    /// `rank` orders the elites (confirmed ones first; by default, search fitness alone).
    static func choose(
        _ count: Int, from archive: Archive, by selection: MigrationPolicy.Selection, random: RandomSource,
        rank: (Elite) -> RankingKey = { RankingKey(confirmed: false, fitness: $0.fitness) }
    ) -> [(cell: Int, elite: Elite)] {
        var random = random
        let byFitness = archive.ordered.sorted { (rank($0.elite), -$0.elite.candidate) > (rank($1.elite), -$1.elite.candidate) }
        switch selection {
        case .best: return Array(byFitness.prefix(count))
        case .random:
            var pool = archive.ordered
            var chosen: [(cell: Int, elite: Elite)] = []
            while chosen.count < count, !pool.isEmpty { chosen.append(pool.remove(at: Int(random.next() % UInt64(pool.count)))) }
            return chosen
        case .diverse:
            guard let first = byFitness.first else { return [] }
            var chosen = [first]
            var pool = Array(byFitness.dropFirst())
            func distance(_ a: Descriptors, _ b: Descriptors) -> Double {
                let span = max(archive.bins.betaSensitivity.upper - archive.bins.betaSensitivity.lower, 1e-12)
                let ds = (a.betaSensitivity - b.betaSensitivity) / span * 2
                return (a.convexity - b.convexity) * (a.convexity - b.convexity) + (a.grad0 - b.grad0) * (a.grad0 - b.grad0) + ds * ds
            }
            while chosen.count < count, !pool.isEmpty {
                let index =
                    pool.indices.max { i, j in
                        chosen.map { distance($0.elite.descriptors, pool[i].elite.descriptors) }.min() ?? 0
                            < chosen.map { distance($0.elite.descriptors, pool[j].elite.descriptors) }.min() ?? 0
                    } ?? 0
                chosen.append(pool.remove(at: index))
            }
            return chosen
        }
    }

    /// Receives a migrant message: checks the task, then verifies each migrant (it parses and
    /// validates, its fingerprint is its own, the descriptors recomputed here match) and places it
    /// under the reception policy. Everything is counted and logged; nothing is evaluated.
    public func receive(_ message: MigrantMessage, policy: MigrationPolicy) throws -> ImmigrationReport {
        var report = ImmigrationReport()
        guard message.taskHash == evaluator.taskHash else {
            try store.countDroppedMigration()
            report.reasons.append("task \(message.taskHash) is not this island's task \(evaluator.taskHash)")
            return report
        }
        var random = RandomSource(seed: settings.seed ^ UInt64(truncatingIfNeeded: message.source &* 7_919 &+ message.sequence))
        // Verify the new migrants side by side (descriptors dominate), then place them in order.
        let fresh = try message.candidates.map { try store.liveCandidate(fingerprint: $0.fingerprint) == nil }
        let verdicts = Mutex([Result<(LossGraph, Descriptors), MigrantRejection>?](repeating: nil, count: message.candidates.count))
        DispatchQueue.concurrentPerform(iterations: message.candidates.count) { i in
            guard fresh[i] else { return }
            let verdict = Result { () throws(MigrantRejection) in try verify(message.candidates[i]) }
            verdicts.withLock { $0[i] = verdict }
        }
        // Place them under the archive lock and record the whole message in one transaction.
        let generation = try store.generation()
        try withArchiveLock { archive in
            var entries: [IslandStore.ImmigrationEntry] = []
            var placed: [(index: Int, cell: Int, descriptors: Descriptors, size: Int?)] = []
            var seen = Set<String>()
            for (index, migrant) in message.candidates.enumerated() {
                report.received += 1
                do {
                    guard let verdict = verdicts.withLock({ $0[index] }), seen.insert(migrant.fingerprint).inserted else {
                        throw MigrantRejection("already on this island")
                    }
                    let (graph, descriptors) = try verdict.get()
                    let cell = archive.bins.cell(of: descriptors)
                    let incumbent = placed.last(where: { $0.cell == cell }).map { message.candidates[$0.index].fitness } ?? archive.elites[cell]?.fitness
                    let place =
                        incumbent.map {
                            migrant.fitness > $0
                                || (policy.reception == .replaceWorst && archive.worstCell == cell)
                                || (policy.reception == .random && random.uniform() < 0.5)
                        } ?? true
                    guard place else { throw MigrantRejection("its cell holds a fitter elite") }
                    let outcome: ArchiveOutcome = incumbent == nil ? .new : migrant.fitness > (incumbent ?? 0) ? .improved : .replaced
                    let record = Self.immigrantRecord(
                        migrant, graph: graph, descriptors: descriptors, from: message.source, generation: generation, outcome: outcome)
                    entries.append(.accepted(record, cell: cell))
                    placed.append((index, cell, descriptors, graph.size))
                    report.accepted += 1
                } catch let rejection as MigrantRejection {
                    entries.append(.rejected(fingerprint: migrant.fingerprint, reason: rejection.reason))
                    report.rejected += 1
                    report.reasons.append(rejection.reason)
                }
            }
            let ids = try store.recordImmigration(entries, peer: message.source, sequence: message.sequence)
            for (id, placement) in zip(ids, placed) {
                guard let id else {
                    (report.accepted, report.rejected) = (report.accepted - 1, report.rejected + 1)
                    report.reasons.append("already on this island")
                    continue
                }
                archive.place(
                    Elite(
                        candidate: id, fitness: message.candidates[placement.index].fitness, descriptors: placement.descriptors,
                        size: placement.size))
            }
        }
        return report
    }

    /// The candidate row of an accepted immigrant: evaluated, proposer `migrant:<island>`.
    static func immigrantRecord(
        _ migrant: Migrant, graph: LossGraph, descriptors: Descriptors, from island: Int,
        generation: Int, outcome: ArchiveOutcome
    ) -> CandidateRecord {
        var record = CandidateRecord(
            generation: generation, name: migrant.lineage.name, source: migrant.source,
            parents: [], proposer: .migrant(island: island), status: .evaluated)
        record.canonical = graph.canonicalForm
        record.fingerprint = migrant.fingerprint
        record.fitness = migrant.fitness
        record.stage = migrant.stage
        record.metrics = migrant.metrics
        (record.convexity, record.grad0, record.betaSensitivity) = (descriptors.convexity, descriptors.grad0, descriptors.betaSensitivity)
        record.outcome = outcome
        record.evaluatedAt = Date().timeIntervalSince1970
        return record
    }

    /// Parses, validates and re-describes a migrant; throws why it cannot be trusted.
    func verify(_ migrant: Migrant) throws(MigrantRejection) -> (LossGraph, Descriptors) {
        let graph: LossGraph
        do {
            graph = try LossParser.parse(migrant.source).graph
            try LossValidator.validate(graph)
        } catch {
            throw MigrantRejection("its loss is not valid: \(error)")
        }
        guard graph.fingerprint.hex == migrant.fingerprint else { throw MigrantRejection("its fingerprint does not match its loss") }
        guard migrant.fitness.isFinite else { throw MigrantRejection("its fitness is not finite") }
        let known = verifiedDescriptors.withLock { $0[migrant.fingerprint] }
        guard let descriptors = known ?? (try? Descriptors(of: graph)) else { throw MigrantRejection("its descriptors are undefined") }
        if known == nil {
            verifiedDescriptors.withLock { memo in
                if memo.count >= 10_000 { memo.removeAll() }
                memo[migrant.fingerprint] = descriptors
            }
        }
        let claimed = migrant.descriptors
        let tolerance = 1e-6
        guard abs(claimed.convexity - descriptors.convexity) <= tolerance, abs(claimed.grad0 - descriptors.grad0) <= tolerance,
            abs(claimed.betaSensitivity - descriptors.betaSensitivity) <= tolerance
        else {
            throw MigrantRejection("its descriptors do not match the ones recomputed here")
        }
        return (graph, descriptors)
    }
}

/// Why a migrant was not taken in.
struct MigrantRejection: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
