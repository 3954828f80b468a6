import Control
import Foundation
import LossDescriptors
import LossLanguage
import Model
import Search
import Synchronization

/// The island as a proposer sees it (``Population``): its archive, its candidates and its store,
/// where proposals are validated, deduplicated and recorded. Tallies what it records for the
/// generation's report; proposers may record from several threads.
final class IslandPopulation: Population {
    let engine: IslandEngine
    private let tally: Mutex<GenerationReport>

    init(engine: IslandEngine, generation: Int) {
        self.engine = engine
        tally = Mutex(GenerationReport(generation: generation))
    }

    /// What was recorded so far.
    var report: GenerationReport { tally.withLock { $0 } }

    var archive: Archive { engine.archive }

    func curiosity() throws -> CuriosityCounts { try engine.store.loadCuriosity() }

    func seedCandidates() throws -> [Int64] { try engine.store.seedCandidates() }

    func candidate(_ id: Int64) throws -> CandidateSummary? { try engine.store.candidate(id).map(ControlHandler.summary) }

    func rankedElites(count: Int) throws -> [RankedElite] {
        let ranked = archive.elites.values.map { (elite: $0, rank: engine.rankingKey(of: $0.candidate, search: $0.fitness)) }
            .sorted { ($0.rank, -$0.elite.candidate) > ($1.rank, -$1.elite.candidate) }.prefix(count)
        return try ranked.compactMap { entry in
            try engine.store.candidate(entry.elite.candidate)?.canonical.map { RankedElite(elite: entry.elite, canonical: $0, rank: entry.rank) }
        }
    }

    func hasFingerprint(_ fingerprint: String) throws -> Bool { try engine.store.hasFingerprint(fingerprint) }

    func counters() throws -> [String: Int] { try engine.store.counters().byName }

    func outcomes(origin: ProposalOrigin) throws -> [String: Int] { try engine.store.proposalOutcomes(proposer: origin) }

    func memory(slot: Int) throws -> ProposerMemory { try engine.store.memory(slot: slot) }

    func emitterTallies() throws -> [String: EmitterTally] { try engine.store.emitterTallies() }

    func record(_ batch: ProposalBatch) throws -> [CandidateStatus] {
        var records = batch.proposals.map { Self.candidate($0, maximumOperations: engine.settings.maximumOperations) }
        for index in records.indices where batch.proposals[index].origin != .seed {
            try refuseIfNearRepeat(&records[index], graph: batch.proposals[index].graph)
        }
        let stored = try engine.store.record(records, memory: batch.memory, counters: batch.counters)
        tally.withLock { report in
            report.proposed += stored.count
            report.invalid += stored.filter { $0.status == .invalid }.count
            report.duplicates += stored.filter { $0.status == .duplicate }.count
        }
        return stored.map(\.status)
    }

    /// Novelty before evaluation: a valid, new child whose shape lies within the island's novelty
    /// distance of an elite's or a recent child's becomes a near-repeat (status `duplicate` with a
    /// note), which the store counts instead of evaluating. An exact repeat is the store's to find.
    private func refuseIfNearRepeat(_ record: inout CandidateRecord, graph: LossGraph?) throws {
        guard engine.settings.novelty > 0, record.status == .pending, let fingerprint = record.fingerprint,
            try !engine.store.hasFingerprint(fingerprint),
            let graph = try graph ?? record.canonical.map({ try LossParser.parse($0).graph }),
            let signature = try? ShapeSignature(of: graph)
        else { return }
        let archive = engine.archive
        let store = engine.store
        let match = try engine.novelty.withLock { filter in
            try filter.check(signature, name: record.name, archive: archive) { id in
                guard let elite = try store.candidate(id), let canonical = elite.canonical, let graph = try? LossParser.parse(canonical).graph else { return nil }
                return (elite.name, graph)
            }
        }
        guard let match else { return }
        let fitness = match.fitness.map { String(format: " (fitness %.4f)", $0) } ?? ""
        (record.status, record.duplicateOf) = (.duplicate, match.elite)
        record.error =
            "This loss has nearly the same shape as \(match.elite == nil ? "the recent child" : "the elite") \(match.name)\(fitness): "
            + String(format: "slope-profile distance %.4f, within the island's novelty distance, so it was not trained.", match.distance)
    }

    /// A proposal as a candidate row: parsed and validated here (stage 0), unless the proposer's
    /// verdict already says what it is. A proposal other than a seed with more than
    /// `maximumOperations` operations (when not 0) is invalid.
    static func candidate(_ proposal: Proposal, maximumOperations: Int = 0) -> CandidateRecord {
        var record = CandidateRecord(
            generation: proposal.generation, name: proposal.name, source: proposal.source, parents: proposal.parents,
            proposer: proposal.origin, status: .pending)
        record.emitter = proposal.emitter
        if case let .invalid(error) = proposal.verdict {
            // An unusable reply is kept for the record, and a reply can be long.
            (record.source, record.status, record.error) = (String(proposal.source.prefix(10_000)), .invalid, error)
            return record
        }
        do {
            let graph = try proposal.graph ?? LossParser.parse(proposal.source).graph
            try LossValidator.validate(graph)
            if maximumOperations > 0, graph.nodes.count > maximumOperations, proposal.origin != .seed {
                throw LossError.tooLarge(
                    "The loss is too large for this island: \(graph.nodes.count) operations, over its max_operations (\(maximumOperations)); write a shorter one")
            }
            (record.canonical, record.fingerprint) = (graph.canonicalForm, graph.fingerprint.hex)
        } catch {
            (record.status, record.error) = (.invalid, (error as? LossError)?.description ?? "\(error)")
            return record
        }
        if case let .nearDuplicate(of, note) = proposal.verdict {
            (record.status, record.duplicateOf, record.error) = (.duplicate, of, note)
        }
        return record
    }
}
