import LossLanguage
import Model

/// One proposed loss, before the island validates, deduplicates and stores it.
public struct Proposal: Sendable {
    public var name: String
    /// The source as proposed (either form), and its parse when the proposer has one.
    public var source: String
    public var graph: LossGraph?
    public var parents: [Int64]
    /// Who made it (the candidate's `proposer`).
    public var origin: ProposalOrigin
    public var generation: Int
    /// The scheduler's emitter that made it (set by the scheduler), nil for a proposer on its own.
    public var emitter: String?
    /// What the proposer already knows of it, if anything.
    public var verdict: Verdict?

    public enum Verdict: Sendable, Hashable {
        /// Not a loss (an LLM reply that did not parse or validate): the error it was answered with.
        case invalid(String)
        /// Nearly the same shape as candidate `of`: not trained; `note` is what the proposer says.
        case nearDuplicate(of: Int64, note: String)
    }

    public init(name: String, source: String, graph: LossGraph?, parents: [Int64], origin: ProposalOrigin, generation: Int, verdict: Verdict? = nil) {
        (self.name, self.source, self.graph, self.parents, self.origin, self.generation, self.verdict) =
            (name, source, graph, parents, origin, generation, verdict)
    }
}

/// Proposals recorded together, with what the proposer remembers of them.
public struct ProposalBatch: Sendable {
    public var proposals: [Proposal]
    /// New turns of a conversation, or nil.
    public var memory: MemoryUpdate?
    /// Counters to add to (the proposer's own: tokens, requests, failures by reason).
    public var counters: [String: Int]

    public init(proposals: [Proposal], memory: MemoryUpdate? = nil, counters: [String: Int] = [:]) {
        (self.proposals, self.memory, self.counters) = (proposals, memory, counters)
    }
}

/// A proposer's memory of one conversation: its turns in order, and the candidate its last turn
/// proposed while no feedback follows it yet (for a repeat, the candidate it repeated), with what
/// the island decided before training when it was refused as a repeat or a near-repeat.
public struct ProposerMemory: Sendable, Hashable {
    public var turns: [MemoryTurn]
    public var awaitingFeedback: Int64?
    public var awaitingVerdict: RefusedProposal?

    public init(turns: [MemoryTurn], awaitingFeedback: Int64?, awaitingVerdict: RefusedProposal? = nil) {
        (self.turns, self.awaitingFeedback, self.awaitingVerdict) = (turns, awaitingFeedback, awaitingVerdict)
    }
}

/// Why a proposal was refused before training and left no row of its own.
public enum RefusedProposal: Sendable, Hashable {
    /// The same loss as a live candidate (the memory's `awaitingFeedback`).
    case repeated
    /// Nearly the same shape as an elite or a recent child; `note` says which.
    case nearRepeat(note: String)
}

/// One turn of a conversation, as the island stores it.
public struct MemoryTurn: Sendable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) { (self.role, self.content) = (role, content) }
}

/// Turns to append to conversation `slot`; when `linksLastProposal`, the last turn (the reply that
/// made it) is linked to the batch's last proposal, which then awaits feedback.
public struct MemoryUpdate: Sendable {
    public var slot: Int
    public var turns: [MemoryTurn]
    public var linksLastProposal: Bool

    public init(slot: Int, turns: [MemoryTurn], linksLastProposal: Bool) { (self.slot, self.turns, self.linksLastProposal) = (slot, turns, linksLastProposal) }
}
