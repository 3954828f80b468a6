/// Why a proposal could not be had from the LLM; each case is also a counted reason in status.
public enum ProposerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with this HTTP status (after the retries, for 429 and 5xx).
    case http(status: Int, body: String)
    /// No answer in time, or the connection failed.
    case transport(String)
    /// The body was larger than `max_response_bytes`.
    case oversized(Int)
    /// The response is not an OpenAI chat completion.
    case malformedResponse(String)
    /// The reply text holds no JSON object.
    case notJSON
    /// The reply was cut off at `max_tokens` before its JSON object closed.
    case truncated(maxTokens: Int)
    /// The reply's JSON lacks the loss code.
    case missingCode
    /// The code is not a valid loss: the validator's exact words and the kind of error
    /// (``LossError/kind``: syntax, unsupported, shape, too_large, numerical).
    case invalidLoss(String, kind: String)
    /// The token or cost budget is spent.
    case budgetSpent
    /// The proposer was stopped (the daemon is shutting down).
    case cancelled

    /// The short reason counted in status.
    public var reason: String {
        switch self {
        case .http(let status, _): "http \(status)"
        case .transport: "transport"
        case .oversized: "oversized response"
        case .malformedResponse: "malformed response"
        case .notJSON: "not json"
        case .truncated: "truncated"
        case .missingCode: "missing code"
        case let .invalidLoss(_, kind): "invalid loss: \(kind)"
        case .budgetSpent: "budget spent"
        case .cancelled: "cancelled"
        }
    }

    public var description: String {
        switch self {
        case let .http(status, body): "the LLM server answered HTTP \(status): \(body.prefix(200))"
        case let .transport(message): "no answer from the LLM server: \(message)"
        case let .oversized(bytes): "the LLM server's response is over \(bytes) bytes"
        case let .malformedResponse(why): "the LLM server's response is not a chat completion: \(why)"
        case .notJSON: "the reply is not JSON: expected an object with keys \"thought\", \"name\" and \"code\""
        case let .truncated(limit): "the reply was cut off at \(limit) tokens before its JSON object closed: keep the thought short"
        case .missingCode: "the reply's JSON has no \"code\" string"
        case let .invalidLoss(error, _): error
        case .budgetSpent: "the proposer's budget is spent"
        case .cancelled: "the proposer was stopped"
        }
    }
}
