/// The island's proposer in status: the built-in mutation proposer, an LLM with its usage, or a
/// scheduler over emitters. On the wire, `{"kind": "mutation"}`, `{"kind": "llm", "model": ..., ...}`
/// or `{"kind": "scheduler", "emitters": [...]}`.
public enum ProposerStatus: Sendable, Hashable {
    case mutation
    case llm(LLMUsage)
    case scheduler([EmitterStatus])

    /// The LLMs' usage, whether the island asks one directly or as an emitter.
    public var llmUsages: [LLMUsage] {
        switch self {
        case .mutation: []
        case let .llm(usage): [usage]
        case let .scheduler(emitters): emitters.compactMap(\.llm)
        }
    }
}

extension ProposerStatus: Codable {
    private enum Kind: String, Codable { case mutation, llm, scheduler }
    private enum CodingKeys: String, CodingKey { case kind, emitters }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Kind.self, forKey: .kind) {
        case .mutation: self = .mutation
        case .llm: self = .llm(try LLMUsage(from: decoder))
        case .scheduler: self = .scheduler(try container.decode([EmitterStatus].self, forKey: .emitters))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .mutation: try container.encode(Kind.mutation, forKey: .kind)
        case let .llm(usage):
            try container.encode(Kind.llm, forKey: .kind)
            try usage.encode(to: encoder)
        case let .scheduler(emitters):
            try container.encode(Kind.scheduler, forKey: .kind)
            try container.encode(emitters, forKey: .emitters)
        }
    }
}

/// An LLM proposer's requests, tokens, cost, budget, proposals by outcome and failures by reason.
public struct LLMUsage: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        case proposing
        case budgetSpent = "budget spent"
    }

    public struct Tokens: Codable, Sendable, Hashable {
        public var prompt = 0, completion = 0
        public var total: Int { prompt + completion }

        public init(prompt: Int, completion: Int) { (self.prompt, self.completion) = (prompt, completion) }

        enum CodingKeys: String, CodingKey { case prompt, completion, total }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            (prompt, completion) = (try container.decode(Int.self, forKey: .prompt), try container.decode(Int.self, forKey: .completion))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(prompt, forKey: .prompt)
            try container.encode(completion, forKey: .completion)
            try container.encode(total, forKey: .total)
        }
    }

    /// The configured budget (0: none) and whether it is spent.
    public struct Budget: Codable, Sendable, Hashable {
        public var tokens: Int
        public var cost: Double
        public var spent: Bool

        public init(tokens: Int, cost: Double, spent: Bool) { (self.tokens, self.cost, self.spent) = (tokens, cost, spent) }
    }

    /// Archive-directed prompts: explore requests, proposals that landed in the target cell, and
    /// valid proposals whose shape fell in an empty cell, by kind of request.
    public struct Directed: Codable, Sendable, Hashable {
        public var exploreRequests = 0, onTarget = 0, newCellExplore = 0, newCellExploit = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case exploreRequests = "explore_requests", onTarget = "on_target"
            case newCellExplore = "new_cell_explore", newCellExploit = "new_cell_exploit"
        }
    }

    public var model: String
    public var state: State
    public var requests: Int
    public var tokens: Tokens
    public var cost: Double
    public var budget: Budget
    /// The LLM's proposals by candidate status (every status present, zero or not).
    public var proposals: [String: Int]
    /// Failed requests by reason.
    public var failures: [String: Int]
    public var directed: Directed
    public var nearDuplicates: Int

    public init(
        model: String, state: State, requests: Int, tokens: Tokens, cost: Double, budget: Budget, proposals: [String: Int],
        failures: [String: Int], directed: Directed, nearDuplicates: Int
    ) {
        (self.model, self.state, self.requests, self.tokens, self.cost, self.budget) = (model, state, requests, tokens, cost, budget)
        (self.proposals, self.failures, self.directed, self.nearDuplicates) = (proposals, failures, directed, nearDuplicates)
    }

    enum CodingKeys: String, CodingKey {
        case model, state, requests, tokens, cost, budget, proposals, failures, directed, nearDuplicates = "near_duplicates"
    }
}
