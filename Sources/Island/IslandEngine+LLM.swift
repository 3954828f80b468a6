import Control
import Foundation
import LLMProposer
import LossDescriptors
import LossLanguage
import Search
import Synchronization

extension IslandEngine {
    /// One generation of the `llm` proposer: `in_flight` conversations side by side, each first told
    /// how its last proposal did (`Fitness: X.`, or why it failed), then asked for the next loss.
    /// The examples are the archive's best elites at this moment, migrants included, each with its
    /// shape in words. A share `explore` of the slots (by generation and slot) also asks for the
    /// shape of an empty cell next to the filled ones (archive-directed prompts).
    func proposeFromLLM(_ llm: LLMProposer, generation: Int, _ report: inout GenerationReport) throws {
        let spent = try tokensSpent()
        let chosen = try exampleLosses(count: llm.config.examples)
        let examples = DiscoPOPPrompt.examples(chosen.map { ($0.code, $0.fitness) }, shapes: chosen.map(\.descriptors.words))
        let targets = archive.frontierTargets
        let tallies = Mutex(report)
        let firstError = Mutex<(any Error)?>(nil)
        let finished = DispatchGroup()
        for slot in 0..<llm.config.inFlight {
            finished.enter()
            Thread { [self] in
                defer { finished.leave() }
                do {
                    var local = GenerationReport(generation: generation)
                    let target =
                        Self.explores(llm.config.explore, generation: generation, slot: slot) && !targets.isEmpty
                        ? targets[(generation * 7 + slot * 13) % targets.count] : nil
                    try converse(llm, slot: slot, examples: examples, target: target, spent: spent, generation: generation, &local)
                    tallies.withLock {
                        $0.proposed += local.proposed; $0.invalid += local.invalid; $0.duplicates += local.duplicates
                    }
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                }
            }.start()
        }
        finished.wait()
        if let error = firstError.withLock({ $0 }) { throw error }
        report = tallies.withLock { $0 }
    }

    /// One slot's exchange: feedback on its last proposal, then a new proposal (with re-samples).
    private func converse(
        _ llm: LLMProposer, slot: Int, examples: String, target: (cell: Int, descriptors: Descriptors)?,
        spent: Int, generation: Int, _ report: inout GenerationReport
    ) throws {
        let (stored, awaiting) = try store.conversation(slot: slot)
        var newTurns: [ChatMessage] = []
        if let awaiting, let feedback = try feedback(on: awaiting) { newTurns.append(.user(feedback)) }
        var conversation = Conversation(turns: llm.config.historyTurns(stored.turns + newTurns))
        let before = conversation.turns.count
        var tally = ProposalTally()
        tally.explore = target != nil
        let outcome = llm.propose(
            &conversation, examples: examples, spent: spent,
            directive: target.map { DiscoPOPPrompt.explore($0.descriptors.words) }, tally: &tally)
        if case .failure(.cancelled) = outcome { throw IslandError.interrupted }  // shutting down: the slot resumes at restart
        var record: CandidateRecord?
        if case let .success(proposal) = outcome {
            let name = Self.candidateName(proposal.reply.name, generation: generation, slot: slot)
            var candidate = CandidateRecord(
                generation: generation, name: name, source: proposal.reply.code, parents: [],
                proposer: "llm", status: .pending)
            candidate.canonical = proposal.graph.canonicalForm
            candidate.fingerprint = proposal.graph.fingerprint.hex
            // Novelty, at once: does the proposal's shape fall in an empty cell, and in the target?
            if let shape = try? Descriptors(of: proposal.graph) {
                let snapshot = archive  // one consistent copy: evaluations finishing meanwhile change the archive
                let cell = snapshot.bins.cell(of: shape)
                tally.newCell = snapshot.elites[cell] == nil
                tally.onTarget = target.map { $0.cell == cell }
                if let near = try nearDuplicate(of: proposal.graph, shape: shape, among: snapshot, tolerance: llm.config.nearDuplicate) {
                    candidate.status = .duplicate
                    candidate.duplicateOf = near.candidate
                    candidate.error = near.note
                    tally.nearDuplicate = true
                }
            }
            record = candidate
            report.proposed += 1
        }
        let rejected = tally.rejected.enumerated().map { index, attempt -> CandidateRecord in
            var candidate = CandidateRecord(
                generation: generation, name: "g\(generation)-llm-\(slot)-rejected-\(index)",
                source: String(attempt.reply.prefix(10_000)), parents: [], proposer: "llm", status: .invalid)
            candidate.error = attempt.error
            return candidate
        }
        report.proposed += rejected.count
        report.invalid += rejected.count
        newTurns += conversation.turns[before...]
        let recorded = try store.recordExchange(slot: slot, newTurns: newTurns, tally: tally, proposal: record, rejected: rejected)
        if recorded?.status == CandidateStatus.duplicate { report.duplicates += 1 }
    }

    /// What the LLM is told about an earlier proposal, once its outcome is known.
    private func feedback(on candidate: Int64) throws -> String? {
        guard let record = try store.candidate(candidate) else { return nil }
        switch record.status {
        case .evaluated: return record.fitness.map(DiscoPOPPrompt.fitness)
        case .failed: return DiscoPOPPrompt.failed(record.error ?? "unknown")
        case .duplicate:
            if let note = record.error { return note + "\nPlease generate the next one." }  // a near-duplicate
            return DiscoPOPPrompt.duplicate(fitness: try record.duplicateOf.flatMap { try store.candidate($0) }?.fitness)
        case .invalid: return DiscoPOPPrompt.invalid(record.error ?? "invalid")
        case .pending: return DiscoPOPPrompt.interrupted
        }
    }

    /// The archive's best elites as (compact code for a prompt, fitness, descriptors), fittest first.
    func exampleLosses(count: Int) throws -> [(code: String, fitness: Double, descriptors: Descriptors)] {
        let elites = archive.elites.values.map { (elite: $0, rank: rankingKey(of: $0.candidate, search: $0.fitness)) }
            .sorted { ($0.rank, -$0.elite.candidate) > ($1.rank, -$1.elite.candidate) }.prefix(count)
        return try elites.compactMap { entry in
            // Shown with short constants (``LossGraph/promptForm``), as the reply grammar lets the model write them.
            try store.candidate(entry.elite.candidate)?.canonical.map { canonical in
                ((try? LossParser.parse(canonical, form: .compact).graph.promptForm) ?? canonical, entry.rank.fitness, entry.elite.descriptors)
            }
        }
    }

    /// The archive elite a proposal nearly repeats, if any: descriptors within 0.05 on every axis
    /// and a normalised slope profile within `tolerance` (a rescaling or a constant tweak).
    func nearDuplicate(of graph: LossGraph, shape: Descriptors, among archive: Archive, tolerance: Double) throws -> (candidate: Int64, note: String)? {
        // An exact repeat is the fingerprint's to report ("already tried").
        guard tolerance > 0, try !store.hasFingerprint(graph.fingerprint.hex), let profile = try? SlopeProfile(of: graph) else { return nil }
        let close = archive.elites.values.filter {
            abs($0.descriptors.convexity - shape.convexity) <= 0.05 && abs($0.descriptors.grad0 - shape.grad0) <= 0.05
                && abs($0.descriptors.betaSensitivity - shape.betaSensitivity) <= 0.05
        }
        for elite in close {
            guard let record = try store.candidate(elite.candidate), let canonical = record.canonical,
                let other = try? LossParser.parse(canonical).graph, let otherProfile = try? SlopeProfile(of: other)
            else { continue }
            let distance = profile.distance(to: otherProfile)
            if distance <= tolerance {
                return (elite.candidate, DiscoPOPPrompt.nearDuplicate(of: record.name, fitness: elite.fitness, distance: distance))
            }
        }
        return nil
    }

    /// Whether a slot's request explores: a share `explore` of (generation, slot) pairs, spread evenly.
    static func explores(_ share: Double, generation: Int, slot: Int) -> Bool {
        guard share > 0 else { return false }
        let position = Double((generation * 5 + slot * 3) % 20) / 20
        return position < share
    }

    /// Tokens this island's LLM proposer has used so far.
    public func tokensSpent() throws -> Int {
        let counters = try store.counters()
        return counters["llm.tokens.prompt", default: 0] + counters["llm.tokens.completion", default: 0]
    }

    /// A name from the LLM's (letters, digits, `_`, `-`; at most 40), or one made from the generation.
    static func candidateName(_ proposed: String, generation: Int, slot: Int) -> String {
        let cleaned = String(proposed.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }.prefix(40))
        return cleaned.isEmpty ? "g\(generation)-llm-\(slot)" : cleaned
    }
}
