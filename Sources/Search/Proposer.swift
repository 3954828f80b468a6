import Control
import LossLanguage
import Model

/// A source of candidate losses (pyribs' emitter, FunSearch's sampler): the island asks it for a
/// generation's children. Results come back through the ``Population`` it reads, as FunSearch's
/// sampler reads scores from its programs database: what a proposer learns is what the island's
/// store holds, so it survives `kill -9` with the results themselves. The built-in
/// ``MutationProposer`` and the LLM proposer implement it; the island has one generation loop for
/// both and knows neither.
public protocol Proposer: Sendable {
    /// Proposes the children of generation `generation` (ask), handing each batch to
    /// ``Population/record(_:)`` as it is made. Throws ``ProposerInterruption`` when ``cancel()``
    /// ended it; what was recorded stands.
    func ask(generation: Int, from population: any Population) throws

    /// Whether it has nothing to propose now (an LLM proposer whose budget is spent): the island
    /// then counts no generations.
    func isExhausted(_ population: any Population) throws -> Bool

    /// What `status` shows of it.
    func status(_ population: any Population) throws -> ProposerStatus

    /// Ends an ask that waits on another process (an LLM request), at shutdown.
    func cancel()
}

/// An ask ended by ``Proposer/cancel()``.
public struct ProposerInterruption: Error, Sendable {
    public init() {}
}

/// What a proposer may read of the island and how it records proposals (the island implements
/// it over its store and archive).
public protocol Population: Sendable {
    /// The archive now (a copy).
    var archive: Archive { get }
    /// How often each cell's elites were parents and how often their children were added.
    func curiosity() throws -> CuriosityCounts
    /// The seed losses' candidates (the independent-sampling baseline's only parents).
    func seedCandidates() throws -> [Int64]
    /// A candidate of the island.
    func candidate(_ id: Int64) throws -> CandidateSummary?
    /// The archive's elites as "best" ranks them (confirmed first), at most `count`.
    func rankedElites(count: Int) throws -> [RankedElite]
    /// Whether a live candidate (pending, failed or evaluated) has this fingerprint.
    func hasFingerprint(_ fingerprint: String) throws -> Bool
    /// The island's counters (the proposer's own under its prefix, say `llm.`).
    func counters() throws -> [String: Int]
    /// Candidates by status, of the proposals whose origin is `origin`.
    func outcomes(origin: ProposalOrigin) throws -> [String: Int]
    /// What each emitter's children came to, by emitter name (``EmitterScheduler``).
    func emitterTallies() throws -> [String: EmitterTally]
    /// What the proposer remembers of conversation `slot`.
    func memory(slot: Int) throws -> ProposerMemory
    /// Records a batch in one transaction: its proposals (validated and deduplicated here) and what
    /// the proposer remembers with them. Returns each proposal's status as stored.
    @discardableResult
    func record(_ batch: ProposalBatch) throws -> [CandidateStatus]
}

/// An archive elite with its loss and the fitness it ranks by.
public struct RankedElite: Sendable, Hashable {
    public var elite: Elite
    public var canonical: String
    public var rank: RankingKey

    public init(elite: Elite, canonical: String, rank: RankingKey) { (self.elite, self.canonical, self.rank) = (elite, canonical, rank) }
}
