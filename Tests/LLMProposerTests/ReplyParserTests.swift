import LLMProposer
import LossLanguage
import Testing

@Suite struct ReplyParserTests {
    @Test(arguments: [
        (#"{"thought": "t", "name": "n", "code": "-logsigmoid(beta * rho)"}"#, "-logsigmoid(beta * rho)"),
        ("```json\n{\"thought\": \"t\", \"name\": \"n\", \"code\": \"relu(1 - beta * rho)\"}\n```", "relu(1 - beta * rho)"),
        ("Here you go: {\"name\": \"n\", \"code\": \"exp(-beta * rho)\"} -- enjoy {not json}", "exp(-beta * rho)"),
        (#"{"thought": "a {brace} in a string", "code": "sigmoid(-beta * rho)"}"#, "sigmoid(-beta * rho)"),
        ("{\"thought\": \"no code key\"}\n```python\ndef f(self, a, b, c, d):\n    return a\n```", "def f(self, a, b, c, d):\n    return a\n"),
    ])
    func codeIsFoundWhereverTheReplyPutsIt(reply: String, code: String) throws {
        #expect(try ReplyParser.parse(reply).code == code)
    }

    @Test func missingPiecesAreTheirOwnErrors() {
        #expect(throws: ProposerError.notJSON) { try ReplyParser.parse("a hinge loss would be nice") }
        #expect(throws: ProposerError.missingCode) { try ReplyParser.parse(#"{"thought": "t", "name": "n"}"#) }
        #expect(throws: ProposerError.missingCode) { try ReplyParser.parse(#"{"code": "   "}"#) }
    }

    @Test func theRequestKeepsTheSystemPromptTheExamplesAndTheLatestTurnsThatFit() {
        var conversation = Conversation()
        for i in 0..<50 {
            conversation.turns.append(.assistant("proposal \(i) " + String(repeating: "x", count: 400)))
            conversation.turns.append(.user("Fitness: 0.\(i).\nPlease generate the next one."))
        }
        let request = conversation.request(system: "system", examples: "examples", budget: 1_500, reply: 500)
        #expect(request[0] == .system("system") && request[1] == .user("examples"))
        #expect(request.count > 4 && request.count < 102)
        #expect(request.last == conversation.turns.last, "the latest turn is kept")
        #expect(request.dropFirst(2).first?.role == "assistant", "whole pairs are dropped")
        #expect(request.map(Conversation.tokens).reduce(0, +) <= 1_000)
    }

    @Test func theSystemPromptsExampleReplyIsAValidLossThatIsNoSeed() throws {
        let line = try #require(DiscoPOPPrompt.system.split(separator: "\n").first { $0.hasPrefix("{\"thought\"") })
        let reply = try ReplyParser.parse(String(line))
        let graph = try LossParser.parse(reply.code).graph
        try LossValidator.validate(graph)
        #expect(reply.name == "logistic_with_penalty")
        for seed in ["dpo", "slic", "ipo", "exponential"] {
            let source = try #require(StandardLosses.named(seed)?.source)
            #expect(try LossParser.parse(source).graph.fingerprint != graph.fingerprint, "the example copies \(seed)")
        }
    }
}
