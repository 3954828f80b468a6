/// One proposal slot's chat: the feedback turns after the system prompt and the examples. The
/// request sent is trimmed to the context budget: the system prompt, the examples and as many of the
/// latest turns as fit (with room for the reply).
public struct Conversation: Sendable, Hashable {
    public var turns: [ChatMessage] = []

    public init(turns: [ChatMessage] = []) { self.turns = turns }

    /// A rough token count (4 characters a token), enough to stay inside a budget.
    public static func tokens(_ message: ChatMessage) -> Int { (message.content.utf8.count + 3) / 4 + 4 }

    /// The messages of the next request: system, examples, then the latest turns that fit in
    /// `budget` tokens less `reply` for the answer. Turns are dropped from the oldest, whole
    /// assistant/user pairs at a time, and the request always ends with a user message.
    public func request(system: String, examples: String, budget: Int, reply: Int) -> [ChatMessage] {
        let head = [ChatMessage.system(system), ChatMessage.user(examples)]
        var room = budget - reply - head.map(Self.tokens).reduce(0, +)
        var kept: [ChatMessage] = []
        var index = turns.count
        while index >= 2 {
            let pair = Array(turns[(index - 2)..<index])
            let cost = pair.map(Self.tokens).reduce(0, +)
            guard cost <= room else { break }
            room -= cost
            kept.insert(contentsOf: pair, at: 0)
            index -= 2
        }
        return head + kept
    }
}
