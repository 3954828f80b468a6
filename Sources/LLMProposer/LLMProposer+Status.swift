import Control
import Model
import Search

extension LLMProposer {
    /// The island counters this proposer keeps, under `llm.`.
    enum Counter {
        static let requests = "llm.requests", promptTokens = "llm.tokens.prompt", completionTokens = "llm.tokens.completion"
        static let failedPrefix = "llm.failed.", exploreRequests = "llm.explore.requests", onTarget = "llm.explore.on_target"
        static let newCellExplore = "llm.new_cell.explore", newCellExploit = "llm.new_cell.exploit", nearDuplicates = "llm.near_duplicates"
    }

    /// Tokens this island's LLM proposer has used so far.
    func tokensSpent(_ population: any Population) throws -> Int {
        let counters = try population.counters()
        return counters[Counter.promptTokens, default: 0] + counters[Counter.completionTokens, default: 0]
    }

    /// Requests, tokens, cost, budget, proposals by outcome and failures by reason.
    public func status(_ population: any Population) throws -> ProposerStatus {
        let counters = try population.counters()
        var outcomes = try population.outcomes(origin: .llm)
        // Repeats and near-repeats are counted, not stored as rows.
        let tally = try population.emitterTallies()[Self.emitterName] ?? EmitterTally()
        outcomes[CandidateStatus.duplicate.rawValue, default: 0] += tally.duplicates + tally.nearDuplicates
        for status in CandidateStatus.allCases.map(\.rawValue) { outcomes[status, default: 0] += 0 }
        let tokens = LLMUsage.Tokens(prompt: counters[Counter.promptTokens, default: 0], completion: counters[Counter.completionTokens, default: 0])
        let failures = counters.filter { $0.key.hasPrefix(Counter.failedPrefix) }
            .reduce(into: [String: Int]()) { $0[String($1.key.dropFirst(Counter.failedPrefix.count))] = $1.value }
        let spent = budgetSpent(tokens: tokens.total)
        var directed = LLMUsage.Directed()
        (directed.exploreRequests, directed.onTarget) = (counters[Counter.exploreRequests, default: 0], counters[Counter.onTarget, default: 0])
        (directed.newCellExplore, directed.newCellExploit) = (counters[Counter.newCellExplore, default: 0], counters[Counter.newCellExploit, default: 0])
        return .llm(
            LLMUsage(
                model: config.model, state: spent ? .budgetSpent : .proposing, requests: counters[Counter.requests, default: 0], tokens: tokens,
                cost: cost(tokens: tokens.total), budget: LLMUsage.Budget(tokens: config.budgetTokens, cost: config.budgetCost, spent: spent),
                proposals: outcomes, failures: failures, directed: directed, nearDuplicates: counters[Counter.nearDuplicates, default: 0]))
    }
}

extension ProposalTally {
    /// The island counters one exchange adds to.
    var counters: [String: Int] {
        typealias Counter = LLMProposer.Counter
        var counters = [Counter.requests: requests, Counter.promptTokens: promptTokens, Counter.completionTokens: completionTokens]
        for reason in failures { counters[Counter.failedPrefix + reason, default: 0] += 1 }
        if explore { counters[Counter.exploreRequests] = 1 }
        if nearDuplicate { counters[Counter.nearDuplicates] = 1 }
        if onTarget == true { counters[Counter.onTarget] = 1 }
        if newCell == true { counters[explore ? Counter.newCellExplore : Counter.newCellExploit] = 1 }
        return counters
    }
}
