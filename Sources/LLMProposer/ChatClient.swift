import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

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

/// A client of an OpenAI-compatible `/chat/completions` endpoint over HTTP (URLSession, which is
/// libcurl on Linux). Blocking: call it from a thread of its own. Retries 429, 5xx and transport
/// failures with exponential backoff; bounds the response size; never logs the API key.
public final class ChatClient: Sendable {
    public let config: ProposerConfig
    private let apiKey: String?
    /// Requests in flight, cancelled all at once by ``cancel()`` (a daemon shutting down).
    private let inFlight = Mutex<(cancelled: Bool, tasks: [ObjectIdentifier: URLSessionTask])>((false, [:]))

    public init(config: ProposerConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        apiKey = config.apiKeyEnv.isEmpty ? nil : environment[config.apiKeyEnv]
    }

    /// The request body: model, messages, sampling settings and the response format.
    func body(_ messages: [ChatMessage]) throws -> Data {
        var object: [String: Any] = [
            "model": config.model, "temperature": config.temperature, "max_tokens": config.maxTokens,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
        ]
        switch config.responseFormat {
        case .jsonObject: object["response_format"] = ["type": "json_object"]
        case .jsonSchema:
            var thought: [String: Any] = ["type": "string"]
            if config.thoughtMaxChars > 0 { thought["maxLength"] = config.thoughtMaxChars }
            object["response_format"] = ["type": "json_schema", "json_schema": ["name": "loss_proposal", "strict": true, "schema": [
                "type": "object", "additionalProperties": false, "required": ["thought", "name", "code"],
                "properties": ["thought": thought, "name": ["type": "string"], "code": ["type": "string"]],
            ]]]
        case .none: break
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Sends the conversation; returns the reply, retrying what can be retried.
    public func complete(_ messages: [ChatMessage]) throws(ProposerError) -> ChatReply {
        var attempt = 0
        while true {
            do {
                return try completeOnce(messages)
            } catch let error where attempt < config.retries && Self.isRetryable(error) && !inFlight.withLock({ $0.cancelled }) {
                Thread.sleep(forTimeInterval: config.backoffSeconds * pow(2, Double(attempt)))
                attempt += 1
            }
        }
    }

    /// Cancels the requests in flight and refuses new ones (``ProposerError/cancelled``).
    public func cancel() {
        let tasks = inFlight.withLock { state in
            state.cancelled = true
            return Array(state.tasks.values)
        }
        tasks.forEach { $0.cancel() }
    }

    private func register(_ task: URLSessionTask) throws(ProposerError) {
        let admitted = inFlight.withLock { state in
            if !state.cancelled { state.tasks[ObjectIdentifier(task)] = task }
            return !state.cancelled
        }
        if !admitted { throw .cancelled }
    }

    private func unregister(_ task: URLSessionTask) {
        _ = inFlight.withLock { $0.tasks.removeValue(forKey: ObjectIdentifier(task)) }
    }

    static func isRetryable(_ error: ProposerError) -> Bool {
        switch error {
        case let .http(status, _): status == 429 || (500...599).contains(status)
        case .transport: true
        default: false
        }
    }

    private func completeOnce(_ messages: [ChatMessage]) throws(ProposerError) -> ChatReply {
        guard let url = URL(string: config.baseURL.hasSuffix("/") ? config.baseURL + "chat/completions" : config.baseURL + "/chat/completions") else {
            throw .transport("bad base URL \(config.baseURL)")
        }
        var request = URLRequest(url: url, timeoutInterval: config.timeoutSeconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        do { request.httpBody = try body(messages) } catch { throw .malformedResponse("cannot encode the request: \(error)") }
        let (status, data) = try BoundedFetch.run(request, limit: config.maxResponseBytes, deadline: config.timeoutSeconds,
                                                  register: register, unregister: unregister)
        if inFlight.withLock({ $0.cancelled }) { throw .cancelled }
        guard status == 200 else { throw .http(status: status, body: String(decoding: data.prefix(500), as: UTF8.self)) }
        return try Self.parse(data)
    }

    /// The reply text and usage of a chat-completion response body.
    static func parse(_ data: Data) throws(ProposerError) -> ChatReply {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw .malformedResponse("not a JSON object") }
        guard let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
              let content = message["content"] as? String else {
            throw .malformedResponse("no choices[0].message.content")
        }
        let usage = object["usage"] as? [String: Any] ?? [:]
        return ChatReply(content: content, promptTokens: (usage["prompt_tokens"] as? NSNumber)?.intValue ?? 0,
                         completionTokens: (usage["completion_tokens"] as? NSNumber)?.intValue ?? 0,
                         finishReason: choices.first?["finish_reason"] as? String ?? "stop")
    }
}

/// One HTTP exchange with a bound on the body and an overall deadline.
final class BoundedFetch: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let limit: Int
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    private var status = 0
    private var failure: ProposerError?

    private init(limit: Int) { self.limit = limit }

    /// `register` is given the task before it starts (and may refuse it), `unregister` once it is over.
    static func run(_ request: URLRequest, limit: Int, deadline: Double, register: (URLSessionTask) throws(ProposerError) -> Void,
                    unregister: (URLSessionTask) -> Void) throws(ProposerError) -> (Int, Data) {
        let fetch = BoundedFetch(limit: limit)
        let session = URLSession(configuration: .ephemeral, delegate: fetch, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let task = session.dataTask(with: request)
        try register(task)
        defer { unregister(task) }
        task.resume()
        if fetch.done.wait(timeout: .now() + deadline) == .timedOut {
            task.cancel()
            throw .transport("no complete answer within \(deadline) s")
        }
        if let failure = fetch.failure { throw failure }
        return (fetch.status, fetch.data)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if let length = (response as? HTTPURLResponse)?.expectedContentLength, length > limit {
            failure = .oversized(limit)
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive chunk: Data) {
        data.append(chunk)
        if data.count > limit, failure == nil {
            failure = .oversized(limit)
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error, failure == nil { failure = .transport(error.localizedDescription) }
        done.signal()
    }
}
