import Foundation
import LossLanguage

/// What one proposal cost and how its attempts went: tokens, requests, and the reason of each
/// unusable reply (re-sampled, or final).
public struct ProposalTally: Sendable, Hashable {
    public var requests = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// One entry per unusable attempt, by ``ProposerError/reason``.
    public var failures: [String] = []
    /// The replies that were not a valid loss, with the error each was answered with.
    public var rejected: [(reply: String, error: String)] = []
    /// Whether the request was an explore request (it asked for an empty cell's shape).
    public var explore = false
    /// Whether the valid proposal's shape falls in a cell the archive did not fill, and in the target cell.
    public var newCell: Bool?
    public var onTarget: Bool?
    /// Whether the valid proposal was a near-duplicate of an archive elite (answered without training).
    public var nearDuplicate = false

    public init() {}

    public static func == (a: ProposalTally, b: ProposalTally) -> Bool {
        (a.requests, a.promptTokens, a.completionTokens, a.failures) == (b.requests, b.promptTokens, b.completionTokens, b.failures)
            && a.rejected.map(\.reply) == b.rejected.map(\.reply) && a.rejected.map(\.error) == b.rejected.map(\.error)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(requests); hasher.combine(failures) }
}

/// A proposal from the LLM: its parsed reply and loss.
public struct LLMProposal: Sendable {
    public var reply: ParsedReply
    public var graph: LossGraph
}

/// The `llm` proposer (docs/architecture.md §6): asks an OpenAI-compatible endpoint for the next loss in a
/// DiscoPOP conversation; sends every unusable reply back as its exact error and re-samples, up to
/// `resamples` times. The reply's code is parsed into the loss language, never executed.
public struct LLMProposer: Sendable {
    public let config: ProposerConfig
    let client: ChatClient

    public init(config: ProposerConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        client = ChatClient(config: config, environment: environment)
    }

    /// Whether the budget is spent, given what was spent so far.
    public func budgetSpent(tokens: Int) -> Bool {
        (config.budgetTokens > 0 && tokens >= config.budgetTokens)
            || (config.budgetCost > 0 && cost(tokens: tokens) >= config.budgetCost)
    }

    /// Stops the requests in flight; every later proposal fails with ``ProposerError/cancelled``.
    public func cancel() { client.cancel() }

    public func cost(tokens: Int) -> Double { Double(tokens) / 1_000 * config.pricePer1kTokens }

    /// Asks for one loss, extending `conversation` with every exchange (each unusable reply followed
    /// by its error). `spent` is the tokens spent before this call (for the budget). `directive`
    /// ends every request of this proposal (an explore request's target shape); like a hint, it is
    /// sent, not kept in the conversation.
    public func propose(
        _ conversation: inout Conversation, examples: String, spent: Int, directive: String? = nil,
        tally: inout ProposalTally
    ) -> Result<LLMProposal, ProposerError> {
        var lastError = ProposerError.notJSON
        for _ in 0...config.resamples {
            guard !budgetSpent(tokens: spent + tally.promptTokens + tally.completionTokens) else { return .failure(.budgetSpent) }
            var system = config.constrained == .none ? DiscoPOPPrompt.system : DiscoPOPPrompt.compactSystem
            if config.qualityInputs { system += DiscoPOPPrompt.qualityInputs(compact: config.constrained != .none) }
            var request = conversation.request(system: system, examples: examples, budget: config.contextTokens, reply: config.maxTokens)
            let ideas = config.constrained == .none ? DiscoPOPPrompt.ideas : DiscoPOPPrompt.compactIdeas
            if let directive, let last = request.indices.last {
                request[last].content += " " + directive
            } else if config.hints, let last = request.indices.last, let idea = ideas.randomElement() {
                request[last].content += " " + DiscoPOPPrompt.hint(idea)
            }
            tally.requests += 1
            let reply: ChatReply
            do { reply = try client.complete(request) } catch {
                tally.failures.append(error.reason)
                return .failure(error)  // retried already inside the client; the next generation tries again
            }
            tally.promptTokens += reply.promptTokens
            tally.completionTokens += reply.completionTokens
            do throws(ProposerError) {
                let parsed: ParsedReply
                do throws(ProposerError) { parsed = try ReplyParser.parse(reply.content) } catch .notJSON where reply.finishReason == "length" {
                    throw .truncated(maxTokens: config.maxTokens)
                }
                let graph: LossGraph
                do throws(LossError) {
                    graph = try LossParser.parse(parsed.code, form: config.constrained == .none ? nil : .compact).graph
                    try LossValidator.validate(graph)
                } catch {
                    throw ProposerError.invalidLoss(error.description, kind: error.kind)
                }
                conversation.turns.append(.assistant(reply.content))
                return .success(LLMProposal(reply: parsed, graph: graph))
            } catch {
                lastError = error
                tally.failures.append(error.reason)
                tally.rejected.append((reply.content, error.description))
                conversation.turns.append(.assistant(reply.content))
                conversation.turns.append(.user(DiscoPOPPrompt.invalid(error.description)))
            }
        }
        return .failure(lastError)
    }
}
