import ConfigFiles

/// An OpenAI-compatible chat endpoint and how to use it (`configs/proposers/*.toml`).
///
/// The API key is never in the file: `api_key_env` names the environment variable that holds it,
/// and nothing logs or prints it.
public struct ProposerConfig: Sendable, Hashable, CustomStringConvertible {
    /// How replies are constrained: a JSON schema (servers that support it), any JSON object, or free text.
    public enum ResponseFormat: String, Sendable, CaseIterable { case jsonSchema = "json_schema", jsonObject = "json_object", none }
    /// How the reply's code is constrained while it is decoded: a GBNF grammar of the whole reply with
    /// its code in the compact loss language (llama.cpp's `grammar`), a JSON schema whose code has a
    /// pattern of the language's tokens (OpenAI structured outputs, vLLM, llama.cpp), or not at all
    /// (the PyTorch-form prompt, and `response_format`). Constrained requests ask for the compact form.
    public enum Constraint: String, Sendable, CaseIterable { case gbnf, jsonSchema = "json_schema", none }

    public var file = "(built in)"
    /// e.g. `http://127.0.0.1:8080/v1` (llama.cpp), `https://api.openai.com/v1`.
    public var baseURL = "http://127.0.0.1:8080/v1"
    public var model = "local"
    public var apiKeyEnv = ""
    public var temperature = 1.0
    public var maxTokens = 512
    public var timeoutSeconds = 60.0
    /// Retries after a 429, a 5xx or a transport failure, with exponential backoff from `backoffSeconds`.
    public var retries = 3
    public var backoffSeconds = 1.0
    /// Conversations (proposals) in flight at once: the island's children per generation.
    public var inFlight = 2
    public var responseFormat = ResponseFormat.jsonObject
    public var constrained = Constraint.none
    /// The share of requests that ask for an empty archive cell's shape (explore) instead of only
    /// for a fitter loss (exploit); 0: never.
    public var explore = 0.0
    /// A valid proposal whose normalised slope profile is within this distance of an archive elite's
    /// (and whose descriptors are within 0.05 of it) is a near-duplicate: answered without training.
    /// 0: only exact duplicates (the fingerprint) are caught.
    public var nearDuplicate = 0.01
    /// What one of its children costs under an island's scheduler, in mutation children (a reply's
    /// latency and tokens beside the evaluation both share): the bandit divides its success rate by it.
    public var cost = 4.0
    /// Nucleus sampling (1: off), sent when below 1.
    public var topP = 1.0
    /// OpenAI's penalties on tokens already in the reply, by count and by presence (-2...2; 0: off,
    /// not sent). Under a grammar a small model can loop on the same few tokens (`*-123 *-456 ...`)
    /// until `max_tokens`; a penalty makes closing the code the likelier way on.
    public var frequencyPenalty = 0.0
    public var presencePenalty = 0.0
    /// With `json_schema`: the longest "thought" the schema allows (0: any). Servers that compile the
    /// schema to a grammar (llama.cpp) then cannot ramble past `max_tokens`.
    public var thoughtMaxChars = 0
    /// Tokens the request may hold: the system prompt, the examples and as many latest turns as fit.
    public var contextTokens = 4_096
    /// Examples (archive elites) in the first user message.
    public var examples = 8
    /// Re-samples of one proposal after an unusable reply (not JSON, invalid code, HTTP failure).
    public var resamples = 2
    /// Earlier exchanges (a proposal and its feedback) a conversation carries into the next proposal:
    /// -1 as many as fit `context_tokens` (DiscoPOP), 0 none (each proposal starts from the examples,
    /// as in FunSearch; small models copy their own history). Re-samples always see their errors.
    public var history = -1
    /// Ends each request with a random idea ("Use torch.tanh in it."): small models otherwise copy
    /// the examples. The idea is sent, not kept in the conversation.
    public var hints = false

    /// The latest turns of a stored conversation that the next proposal starts from.
    public func historyTurns(_ turns: [ChatMessage]) -> [ChatMessage] {
        history < 0 ? turns : Array(turns.suffix(2 * history))
    }
    /// Price per 1,000 tokens (prompt and completion alike); 0: no cost is computed.
    public var pricePer1kTokens = 0.0
    /// Stop proposing once this many tokens (0: no limit) or this cost (0: no limit) is spent.
    public var budgetTokens = 0
    public var budgetCost = 0.0
    /// Replies larger than this are refused (a runaway server).
    public var maxResponseBytes = 1 << 20
    /// Whether the island's task supplies the quality-prompted log-probs (set by the island from its
    /// task, not read from the file): the prompt explains pca, pra, rca, rra and the grammar admits them.
    public var qualityInputs = false

    public init() {}

    /// Never shows the key (there is none in the config, only the variable's name).
    public var description: String { "ProposerConfig(\(model) at \(baseURL), key from $\(apiKeyEnv.isEmpty ? "-" : apiKeyEnv))" }

    public static func load(path: String) throws(ConfigError) -> ProposerConfig {
        let s = try ConfigSection.load(path: path)
        var c = ProposerConfig()
        c.file = path
        c.baseURL = try s.string("base_url", default: c.baseURL)
        guard c.baseURL.hasPrefix("http://") || c.baseURL.hasPrefix("https://") else {
            throw s.error("base_url", "expected an http:// or https:// URL, got \"\(c.baseURL)\"")
        }
        c.model = try s.string("model", default: c.model)
        c.apiKeyEnv = try s.string("api_key_env", default: c.apiKeyEnv)
        c.temperature = try s.double("temperature", default: c.temperature, in: 0...5)
        c.maxTokens = try s.int("max_tokens", default: c.maxTokens, in: 16...1_000_000)
        c.timeoutSeconds = try s.double("timeout_s", default: c.timeoutSeconds, in: 0.1...3_600)
        c.retries = try s.int("retries", default: c.retries, in: 0...100)
        c.backoffSeconds = try s.double("backoff_s", default: c.backoffSeconds, in: 0...600)
        c.inFlight = try s.int("in_flight", default: c.inFlight, in: 1...256)
        let format = try s.string("response_format", default: c.responseFormat.rawValue, oneOf: ResponseFormat.allCases.map(\.rawValue))
        c.responseFormat = ResponseFormat(rawValue: format) ?? c.responseFormat
        let constraint = try s.string("constrained", default: c.constrained.rawValue, oneOf: Constraint.allCases.map(\.rawValue))
        c.constrained = Constraint(rawValue: constraint) ?? c.constrained
        c.topP = try s.double("top_p", default: c.topP, in: 0.01...1)
        c.frequencyPenalty = try s.double("frequency_penalty", default: c.frequencyPenalty, in: -2...2)
        c.presencePenalty = try s.double("presence_penalty", default: c.presencePenalty, in: -2...2)
        c.explore = try s.double("explore", default: c.explore, in: 0...1)
        c.nearDuplicate = try s.double("near_duplicate", default: c.nearDuplicate, in: 0...2)
        c.cost = try s.double("cost", default: c.cost, in: 0.01...1e6)
        c.thoughtMaxChars = try s.int("thought_max_chars", default: c.thoughtMaxChars, in: 0...1_000_000)
        c.contextTokens = try s.int("context_tokens", default: c.contextTokens, in: 256...10_000_000)
        c.examples = try s.int("examples", default: c.examples, in: 1...1_000)
        c.resamples = try s.int("resamples", default: c.resamples, in: 0...100)
        c.history = try s.int("history", default: c.history, in: -1...1_000_000)
        c.hints = try s.bool("hints", default: c.hints)
        c.pricePer1kTokens = try s.double("price_per_1k_tokens", default: c.pricePer1kTokens, in: 0...1e6)
        c.budgetTokens = try s.int("budget_tokens", default: c.budgetTokens, in: 0...Int.max)
        c.budgetCost = try s.double("budget_cost", default: c.budgetCost, in: 0...1e12)
        c.maxResponseBytes = try s.int("max_response_bytes", default: c.maxResponseBytes, in: 1_024...(1 << 30))
        try s.finish()
        return c
    }
}
