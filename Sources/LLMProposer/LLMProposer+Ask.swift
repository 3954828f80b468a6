import Control
import Foundation
import LossDescriptors
import LossLanguage
import Model
import Search
import Synchronization

extension LLMProposer: Proposer {
    /// One generation: `in_flight` conversations side by side, each first told how its last
    /// proposal did (`Fitness: X.`, or why it failed), then asked for the next loss. The examples
    /// are the archive's best elites at this moment, migrants included, each with its shape in
    /// words. A share `explore` of the slots (by generation and slot) also asks for the shape of an
    /// empty cell next to the filled ones (archive-directed prompts). Each slot records its
    /// exchange (turns, counters, proposal and rejected replies) in one transaction as it ends.
    public func ask(generation: Int, from population: any Population) throws {
        try ask(generation: generation, slots: config.inFlight, from: population)
    }

    /// One generation over the first `slots` conversations (at most `in_flight`).
    func ask(generation: Int, slots: Int, from population: any Population) throws {
        let spent = try tokensSpent(population)
        let chosen = try population.rankedElites(count: config.examples).map { ranked in
            // Shown with short constants (``LossGraph/promptForm``), as the reply grammar lets the model write them.
            ((try? LossParser.parse(ranked.canonical, form: .compact).graph.promptForm) ?? ranked.canonical, ranked.rank.fitness, ranked.elite.descriptors)
        }
        let examples = DiscoPOPPrompt.examples(chosen.map { ($0.0, $0.1) }, shapes: chosen.map(\.2.words))
        let targets = population.archive.frontierTargets
        let firstError = Mutex<(any Error)?>(nil)
        let finished = DispatchGroup()
        for slot in 0..<min(slots, config.inFlight) {
            finished.enter()
            Thread { [self] in
                defer { finished.leave() }
                do {
                    let target =
                        Self.explores(config.explore, generation: generation, slot: slot) && !targets.isEmpty
                        ? targets[(generation * 7 + slot * 13) % targets.count] : nil
                    try converse(population, slot: slot, examples: examples, target: target, spent: spent, generation: generation)
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                }
            }.start()
        }
        finished.wait()
        if let error = firstError.withLock({ $0 }) { throw error }
    }

    /// When the token budget is spent.
    public func isExhausted(_ population: any Population) throws -> Bool { budgetSpent(tokens: try tokensSpent(population)) }

    /// One slot's exchange: feedback on its last proposal, then a new proposal (with re-samples).
    private func converse(
        _ population: any Population, slot: Int, examples: String, target: (cell: Int, descriptors: Descriptors)?, spent: Int, generation: Int
    ) throws {
        let memory = try population.memory(slot: slot)
        var newTurns: [ChatMessage] = []
        if let feedback = try feedback(on: memory, in: population) { newTurns.append(.user(feedback)) }
        var conversation = Conversation(turns: config.historyTurns(memory.turns.map { ChatMessage(role: $0.role, content: $0.content) } + newTurns))
        let before = conversation.turns.count
        var tally = ProposalTally()
        tally.explore = target != nil
        let outcome = propose(
            &conversation, examples: examples, spent: spent, directive: target.map { DiscoPOPPrompt.explore($0.descriptors.words) }, tally: &tally)
        if case .failure(.cancelled) = outcome { throw ProposerInterruption() }  // shutting down: the slot resumes at restart
        var proposals = tally.rejected.enumerated().map { index, attempt in
            Proposal(
                name: "g\(generation)-llm-\(slot)-rejected-\(index)", source: attempt.reply, graph: nil, parents: [], origin: .llm,
                generation: generation, verdict: .invalid(attempt.error))
        }
        for index in proposals.indices { proposals[index].emitter = Self.emitterName }
        var proposed = false
        if case let .success(proposal) = outcome {
            proposed = true
            var candidate = Proposal(
                name: Self.candidateName(proposal.reply.name, generation: generation, slot: slot), source: proposal.reply.code, graph: proposal.graph,
                parents: [], origin: .llm, generation: generation)
            candidate.emitter = Self.emitterName
            // Novelty, at once: does the proposal's shape fall in an empty cell, and in the target?
            if let shape = try? Descriptors(of: proposal.graph) {
                let snapshot = population.archive  // one consistent copy: evaluations finishing meanwhile change the archive
                let cell = snapshot.bins.cell(of: shape)
                tally.newCell = snapshot.elites[cell] == nil
                tally.onTarget = target.map { $0.cell == cell }
                if let near = try nearDuplicate(of: proposal.graph, shape: shape, among: snapshot, in: population) {
                    candidate.verdict = .nearDuplicate(of: near.candidate, note: near.note)
                    tally.nearDuplicate = true
                }
            }
            proposals.append(candidate)
        }
        newTurns += conversation.turns[before...]
        let turns = newTurns.map { MemoryTurn(role: $0.role, content: $0.content) }
        try population.record(
            ProposalBatch(
                proposals: proposals, memory: MemoryUpdate(slot: slot, turns: turns, linksLastProposal: proposed && newTurns.last?.role == "assistant"), counters: tally.counters))
    }

    /// What the LLM is told about its conversation's last proposal, once its outcome is known.
    private func feedback(on memory: ProposerMemory, in population: any Population) throws -> String? {
        switch memory.awaitingVerdict {
        case let .nearRepeat(note): return note + "\nPlease generate the next one."
        case .repeated: return DiscoPOPPrompt.duplicate(fitness: try memory.awaitingFeedback.flatMap { try population.candidate($0) }?.fitness)
        case nil: break
        }
        guard let id = memory.awaitingFeedback, let candidate = try population.candidate(id) else { return nil }
        switch candidate.status {
        case .evaluated: return candidate.fitness.map(DiscoPOPPrompt.fitness)
        case .failed: return DiscoPOPPrompt.failed(candidate.error ?? "unknown")
        case .duplicate:
            if let note = candidate.error { return note + "\nPlease generate the next one." }  // a near-duplicate
            return DiscoPOPPrompt.duplicate(fitness: try candidate.duplicateOf.flatMap { try population.candidate($0) }?.fitness)
        case .invalid: return DiscoPOPPrompt.invalid(candidate.error ?? "invalid")
        case .pending: return DiscoPOPPrompt.interrupted
        }
    }

    /// The archive elite a proposal nearly repeats, if any (``ShapeSignature``: descriptors within
    /// 0.05 on every axis and a normalised slope profile within `near_duplicate`).
    func nearDuplicate(of graph: LossGraph, shape: Descriptors, among archive: Archive, in population: any Population) throws -> (
        candidate: Int64, note: String
    )? {
        // An exact repeat is the fingerprint's to report ("already tried").
        let tolerance = config.nearDuplicate
        guard tolerance > 0, try !population.hasFingerprint(graph.fingerprint.hex), let profile = try? SlopeProfile(of: graph) else { return nil }
        let signature = ShapeSignature(descriptors: shape, profile: profile)
        for elite in archive.elites.values where signature.isClose(to: elite.descriptors) {
            guard let candidate = try population.candidate(elite.candidate), let canonical = candidate.canonical,
                let other = try? ShapeSignature(of: LossParser.parse(canonical).graph)
            else { continue }
            if let distance = signature.nearness(to: other, tolerance: tolerance) {
                return (elite.candidate, DiscoPOPPrompt.nearDuplicate(of: candidate.name, fitness: elite.fitness, distance: distance))
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

    /// A name from the LLM's (letters, digits, `_`, `-`; at most 40), or one made from the generation.
    static func candidateName(_ proposed: String, generation: Int, slot: Int) -> String {
        let cleaned = String(proposed.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }.prefix(40))
        return cleaned.isEmpty ? "g\(generation)-llm-\(slot)" : cleaned
    }
}
