import Foundation

/// One message of a chat conversation.
public struct ChatMessage: Codable, Sendable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) { (self.role, self.content) = (role, content) }
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: "system", content: text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: "user", content: text) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: "assistant", content: text) }
}

/// A chat completion's text and the tokens it used (from the response's `usage`).
public struct ChatReply: Sendable, Hashable {
    public var content: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// `stop`, or `length` when the reply was cut off at `max_tokens`.
    public var finishReason = "stop"
}

/// A client of an OpenAI-compatible `/chat/completions` endpoint over HTTP (libcurl). Blocking:
/// call it from a thread of its own. Retries 429, 5xx and transport failures with exponential
/// backoff; bounds the response size and the time of each exchange; never logs the API key.
public final class ChatClient: Sendable {
    public let config: ProposerConfig
    private let apiKey: String?
    /// Set by ``cancel()`` (a daemon shutting down): transfers in flight stop, new ones are refused.
    private let cancellation = CancellationFlag()

    public init(config: ProposerConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        apiKey = config.apiKeyEnv.isEmpty ? nil : environment[config.apiKeyEnv]
    }

    /// The request body: model, messages, sampling settings and the response format or grammar.
    func body(_ messages: [ChatMessage]) throws -> Data {
        var object: [String: Any] = [
            "model": config.model, "temperature": config.temperature, "max_tokens": config.maxTokens,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
        ]
        if config.topP < 1 { object["top_p"] = config.topP }
        if config.frequencyPenalty != 0 { object["frequency_penalty"] = config.frequencyPenalty }
        if config.presencePenalty != 0 { object["presence_penalty"] = config.presencePenalty }
        func schema(constrainCode: Bool) -> [String: Any] {
            [
                "type": "json_schema",
                "json_schema": [
                    "name": "loss_proposal", "strict": true,
                    "schema": ReplyGrammar.jsonSchema(
                        thoughtMaxChars: config.thoughtMaxChars, constrainCode: constrainCode, qualityInputs: config.qualityInputs),
                ],
            ]
        }
        switch (config.constrained, config.responseFormat) {
        case (.gbnf, _): object["grammar"] = ReplyGrammar.gbnf(thoughtMaxChars: config.thoughtMaxChars, qualityInputs: config.qualityInputs)
        case (.jsonSchema, _): object["response_format"] = schema(constrainCode: true)
        case (.none, .jsonSchema): object["response_format"] = schema(constrainCode: false)
        case (.none, .jsonObject): object["response_format"] = ["type": "json_object"]
        case (.none, .none): break
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Sends the conversation; returns the reply, retrying what can be retried.
    public func complete(_ messages: [ChatMessage]) throws(ProposerError) -> ChatReply {
        let request: Data
        do { request = try body(messages) } catch { throw .malformedResponse("cannot encode the request: \(error)") }
        var attempt = 0
        while true {
            do {
                return try completeOnce(request)
            } catch let error where attempt < config.retries && Self.isRetryable(error) && !cancellation.isSet {
                cancellation.sleep(seconds: config.backoffSeconds * pow(2, Double(attempt)))
                attempt += 1
            }
        }
    }

    /// Cancels the requests in flight and refuses new ones (``ProposerError/cancelled``).
    public func cancel() { cancellation.set() }

    static func isRetryable(_ error: ProposerError) -> Bool {
        switch error {
        case let .http(status, _): status == 429 || (500...599).contains(status)
        case .transport: true
        default: false
        }
    }

    /// One exchange of an encoded request body.
    private func completeOnce(_ request: Data) throws(ProposerError) -> ChatReply {
        if cancellation.isSet { throw .cancelled }
        let url = config.baseURL.hasSuffix("/") ? config.baseURL + "chat/completions" : config.baseURL + "/chat/completions"
        var headers = ["Content-Type: application/json", "Accept: application/json"]
        if let apiKey { headers.append("Authorization: Bearer \(apiKey)") }
        let (status, data) = try HTTPTransfer.post(
            url: url, headers: headers, body: request, limit: config.maxResponseBytes,
            deadline: config.timeoutSeconds, cancellation: cancellation)
        if cancellation.isSet { throw .cancelled }
        guard status == 200 else { throw .http(status: status, body: String(decoding: data.prefix(500), as: UTF8.self)) }
        return try Self.parse(data)
    }

    /// The reply text and usage of a chat-completion response body.
    static func parse(_ data: Data) throws(ProposerError) -> ChatReply {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw .malformedResponse("not a JSON object") }
        guard let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
            let content = message["content"] as? String
        else {
            throw .malformedResponse("no choices[0].message.content")
        }
        let usage = object["usage"] as? [String: Any] ?? [:]
        return ChatReply(
            content: content, promptTokens: (usage["prompt_tokens"] as? NSNumber)?.intValue ?? 0,
            completionTokens: (usage["completion_tokens"] as? NSNumber)?.intValue ?? 0,
            finishReason: choices.first?["finish_reason"] as? String ?? "stop")
    }
}
