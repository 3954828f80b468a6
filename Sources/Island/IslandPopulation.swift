import Control
import Foundation
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

    func record(_ batch: ProposalBatch) throws -> [CandidateStatus] {
        let stored = try engine.store.record(batch.proposals.map(Self.candidate), memory: batch.memory, counters: batch.counters)
        tally.withLock { report in
            report.proposed += stored.count
            report.invalid += stored.filter { $0.status == .invalid }.count
            report.duplicates += stored.filter { $0.status == .duplicate }.count
        }
        return stored.map(\.status)
    }

    /// A proposal as a candidate row: parsed and validated here (stage 0), unless the proposer's
    /// verdict already says what it is.
    static func candidate(_ proposal: Proposal) -> CandidateRecord {
        var record = CandidateRecord(
            generation: proposal.generation, name: proposal.name, source: proposal.source, parents: proposal.parents,
            proposer: proposal.origin, status: .pending)
        if case let .invalid(error) = proposal.verdict {
            // An unusable reply is kept for the record, and a reply can be long.
            (record.source, record.status, record.error) = (String(proposal.source.prefix(10_000)), .invalid, error)
            return record
        }
        do {
            let graph = try proposal.graph ?? LossParser.parse(proposal.source).graph
            try LossValidator.validate(graph)
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
