import Foundation
import LLMProposer
import LossLanguage
import TestSupport
import Testing

/// The LLM proposer against a scripted OpenAI-compatible server over real HTTP on loopback.
@Suite struct ChatProtocolTests {
    static let dpoReply = #"{"thought": "the logistic loss", "name": "dpo_again", "code": "-logsigmoid(beta * rho)"}"#
    static let ipoPython = """
        def ipo(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps):
            logits = (policy_chosen_logps - policy_rejected_logps) - (reference_chosen_logps - reference_rejected_logps)
            return (logits - 1 / (2 * self.beta)) ** 2
        """

    func config(_ server: ScriptedServer, _ edit: (inout ProposerConfig) -> Void = { _ in }) -> ProposerConfig {
        var config = ProposerConfig()
        config.baseURL = server.baseURL
        config.model = "scripted"
        config.backoffSeconds = 0.01
        config.timeoutSeconds = 5
        edit(&config)
        return config
    }

    let examples = DiscoPOPPrompt.examples([(code: "-logsigmoid(beta * rho)", fitness: 0.91), (code: "(rho - 1 / (2 * beta)) ** 2", fitness: 0.88)])

    @Test func aGoodReplyAfter429And500IsAValidLossAndTheConversationIsTheDiscoPOPOne() throws {
        let server = try ScriptedServer([["status": 429], ["status": 500], ["content": Self.dpoReply, "prompt_tokens": 300, "completion_tokens": 40]])
        let proposer = LLMProposer(config: config(server) { $0.apiKeyEnv = "EVOD_TEST_KEY" }, environment: ["EVOD_TEST_KEY": "sk-scripted-123"])
        var conversation = Conversation()
        var tally = ProposalTally()
        let proposal = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        #expect(proposal.reply.name == "dpo_again")
        #expect(proposal.graph.fingerprint == (try LossParser.parse("-logsigmoid(beta * rho)").graph.fingerprint))
        #expect(tally.promptTokens == 300 && tally.completionTokens == 40 && tally.requests == 1)
        let requests = server.requests()
        #expect(requests.count == 3, "two retries, then the answer")
        #expect(requests[2].headers["Authorization"] == "Bearer sk-scripted-123")
        #expect(!proposer.config.description.contains("sk-scripted"))
        let messages = server.messages(2)
        #expect(messages.map(\.role) == ["system", "user"])
        for phrase in [
            "\"thought\"", "\"name\"", "\"code\"", "policy_chosen_logps", "reference_rejected_logps", "beta", "compact form",
            "Be creative and reference prior literature",
        ] {
            #expect(messages[0].content.contains(phrase), "the system prompt lacks \(phrase)")
        }
        let list = try #require(messages[1].content.split(separator: "\n").first { $0.hasPrefix("[") })
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2 && parsed[0]["code"] as? String == "-logsigmoid(beta * rho)" && parsed[0]["fitness"] as? Double == 0.91)
        #expect(requests[2].body["response_format"] as? [String: String] == ["type": "json_object"])
    }

    @Test func theJSONSchemaAsksForTheThreeKeysAndBoundsTheThought() throws {
        let server = try ScriptedServer([["content": Self.dpoReply]])
        let proposer = LLMProposer(
            config: config(server) {
                $0.responseFormat = .jsonSchema; $0.thoughtMaxChars = 200
            })
        var conversation = Conversation()
        var tally = ProposalTally()
        _ = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        let format = try #require(server.requests().first?.body["response_format"] as? [String: Any])
        let schema = try #require((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema" && schema["required"] as? [String] == ["thought", "name", "code"])
        #expect(((schema["properties"] as? [String: Any])?["thought"] as? [String: Any])?["maxLength"] as? Int == 200)
    }

    @Test func aGBNFConstrainedRequestSendsTheGrammarAndTheCompactPromptAndReadsCompactCode() throws {
        let compact = #"{"thought": "a hinge", "name": "hinge2", "code": "t1 = beta * rho; relu(1 - t1) ** 2"}"#
        let server = try ScriptedServer([["content": compact]])
        let proposer = LLMProposer(
            config: config(server) {
                $0.constrained = .gbnf; $0.thoughtMaxChars = 150; $0.hints = true; $0.frequencyPenalty = 0.5; $0.topP = 0.9
            })
        var conversation = Conversation()
        var tally = ProposalTally()
        let proposal = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        #expect(proposal.graph.canonicalForm == "relu(1 - beta * rho) ** 2")
        let body = try #require(server.requests().first?.body)
        let grammar = try #require(body["grammar"] as? String)
        #expect(grammar == ReplyGrammar.gbnf(thoughtMaxChars: 150))
        #expect(grammar.contains("root ::= \"{\"") && grammar.contains("loss-code ::= ") && grammar.contains("\"logsigmoid\""))
        #expect(body["response_format"] == nil)
        #expect(body["frequency_penalty"] as? Double == 0.5 && body["top_p"] as? Double == 0.9 && body["presence_penalty"] == nil)
        let messages = server.messages(0)
        #expect(messages[0].content == DiscoPOPPrompt.compactSystem)
        #expect(!messages[0].content.contains("torch."))
        #expect(DiscoPOPPrompt.compactIdeas.contains { messages[1].content.hasSuffix("Use \($0) in it.") })
        // The reply grammar admits this reply, and the PyTorch form is not a sentence of it.
        let replyGrammar = ReplyGrammar.grammar(thoughtMaxChars: 150)
        let accepted = replyGrammar.matches(compact.replacingOccurrences(of: "\": \"", with: "\":\""))
        #expect(accepted)
        let python = try jsonString(Self.ipoPython)
        let rejected = replyGrammar.matches(#"{"thought":"x","name":"ipo","code":"# + python.dropFirst())
        #expect(!rejected)
    }

    /// On an island whose task supplies the quality prompt (seed 004), the prompt says what pca, pra,
    /// rca, rra mean and the grammar admits them; a reply that reads Δ is a loss that reads them.
    @Test func withTheQualityPromptTheGrammarAndThePromptOfferTheQualityInputs() throws {
        let reply = #"{"thought": "refine", "name": "sr", "code": "t1 = detach(pca - pc - pra + pr); -logsigmoid(beta * rho - 0.5 * beta * t1)"}"#
        let server = try ScriptedServer([["content": reply]])
        let proposer = LLMProposer(
            config: config(server) {
                $0.constrained = .gbnf; $0.qualityInputs = true
            })
        var conversation = Conversation()
        var tally = ProposalTally()
        let proposal = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        #expect(proposal.graph.qualityInputs == [.pca, .pra])
        let grammar = try #require(server.requests().first?.body["grammar"] as? String)
        #expect(grammar == ReplyGrammar.gbnf(qualityInputs: true) && grammar.contains("\"pca\""))
        #expect(!ReplyGrammar.gbnf().contains("\"pca\""))
        let system = server.messages(0)[0].content
        #expect(system == DiscoPOPPrompt.compactSystem + DiscoPOPPrompt.qualityInputs(compact: true))
        #expect(system.contains("pca and pra are the policy's log-probabilities"))
        // Without the quality prompt, neither the prompt nor the grammar mention them.
        #expect(!DiscoPOPPrompt.compactSystem.contains("pca"))
    }

    @Test func aJSONSchemaConstraintGivesTheCodeAPatternOfTheLanguagesTokens() throws {
        let server = try ScriptedServer([["content": Self.dpoReply]])
        let proposer = LLMProposer(config: config(server) { $0.constrained = .jsonSchema })
        var conversation = Conversation()
        var tally = ProposalTally()
        _ = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        let format = try #require(server.requests().first?.body["response_format"] as? [String: Any])
        let schema = try #require((format["json_schema"] as? [String: Any])?["schema"] as? [String: Any])
        let code = try #require((schema["properties"] as? [String: Any])?["code"] as? [String: Any])
        let pattern = try #require(code["pattern"] as? String)
        let regex = try Regex(pattern)
        for canonical in StandardLosses.all.map(\.graph.canonicalForm) { #expect(canonical.wholeMatch(of: regex) != nil, "\(canonical)") }
        #expect("torch.exp(rho)".wholeMatch(of: regex) == nil && "logits * beta".wholeMatch(of: regex) == nil)
    }

    @Test func unusableRepliesGoBackWithTheirExactErrorAndAreResampled() throws {
        let invalidCode = #"{"thought": "save it", "name": "bad", "code": "torch.save(rho)"}"#
        let fenced = "Sure! Here is my proposal:\n```json\n{\"thought\": \"IPO\", \"name\": \"ipo_like\", \"code\": \(try jsonString(Self.ipoPython))}\n```\nI hope it works."
        let server = try ScriptedServer([["content": "I think we should try a hinge loss."], ["content": invalidCode], ["content": fenced]])
        let proposer = LLMProposer(config: config(server) { $0.resamples = 2 })
        var conversation = Conversation()
        var tally = ProposalTally()
        let proposal = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        #expect(proposal.reply.name == "ipo_like")
        #expect(tally.failures == ["not json", "invalid loss: unsupported"])
        let second = server.messages(1), third = server.messages(2)
        #expect(second.last?.content == DiscoPOPPrompt.invalid(ProposerError.notJSON.description))
        #expect(second.last?.content.hasPrefix("Code not valid. Error: ") == true)
        #expect(second.last?.content.hasSuffix("Please generate the next one.") == true)
        let validatorError = try #require(Self.error(of: "torch.save(rho)"))
        #expect(third.last?.content == "Code not valid. Error: \(validatorError)\nPlease generate the next one.")
        #expect(third.map(\.role) == ["system", "user", "assistant", "user", "assistant", "user"])
    }

    @Test func aReplyCutOffAtMaxTokensIsAnsweredAsTruncated() throws {
        let cut = ["content": #"{"thought": "a very long thought that never ends and"#, "finish_reason": "length"]
        let server = try ScriptedServer([cut, ["content": Self.dpoReply]])
        let proposer = LLMProposer(config: config(server) { $0.maxTokens = 64 })
        var conversation = Conversation()
        var tally = ProposalTally()
        _ = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        #expect(tally.failures == ["truncated"])
        #expect(server.messages(1).last?.content == DiscoPOPPrompt.invalid(ProposerError.truncated(maxTokens: 64).description))
    }

    @Test func hintsEndTheRequestWithAnIdeaThatTheConversationDoesNotKeep() throws {
        let server = try ScriptedServer([["content": Self.dpoReply]])
        let proposer = LLMProposer(config: config(server) { $0.hints = true })
        var conversation = Conversation()
        var tally = ProposalTally()
        _ = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        let sent = try #require(server.messages(0).last?.content)
        #expect(DiscoPOPPrompt.ideas.contains { sent == examples + " " + DiscoPOPPrompt.hint($0) }, "\(sent)")
        #expect(conversation.turns == [.assistant(Self.dpoReply)])
    }

    @Test func aReplySlowerThanTheTimeoutIsATransportFailureInTime() throws {
        let server = try ScriptedServer([["delay": 3.0, "content": Self.dpoReply]])
        let proposer = LLMProposer(
            config: config(server) {
                $0.timeoutSeconds = 0.5; $0.retries = 0
            })
        var conversation = Conversation()
        var tally = ProposalTally()
        let start = Date()
        let outcome = proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally)
        #expect(Date().timeIntervalSince(start) < 2.5)
        guard case let .failure(error) = outcome, case .transport = error else { Issue.record("expected a transport failure, got \(outcome)"); return }
        #expect(tally.failures == ["transport"])
    }

    /// The transfer runs on the calling thread, which waits in poll: a reply that takes 2 s costs it
    /// almost no CPU, so a local LLM on the same cores keeps them.
    @Test func waitingForASlowReplyCostsNoCPU() throws {
        let server = try ScriptedServer([["delay": 2.0, "content": Self.dpoReply]])
        let proposer = LLMProposer(config: config(server))
        var conversation = Conversation()
        var tally = ProposalTally()
        func threadCPUSeconds() -> Double {
            var now = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
            return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        }
        let (wallStart, cpuStart) = (Date(), threadCPUSeconds())
        _ = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        let (wall, cpu) = (Date().timeIntervalSince(wallStart), threadCPUSeconds() - cpuStart)
        #expect(wall >= 2.0)
        #expect(cpu < 0.2, "the client used \(cpu) s of CPU in \(wall) s of waiting")
    }

    @Test func cancellingDuringARetrysBackoffStopsAtOnce() throws {
        let server = try ScriptedServer([["status": 500]])
        let proposer = LLMProposer(
            config: config(server) {
                $0.backoffSeconds = 20; $0.retries = 3
            })
        var conversation = Conversation()
        var tally = ProposalTally()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { proposer.cancel() }
        let start = Date()
        let outcome = proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally)
        #expect(Date().timeIntervalSince(start) < 5, "the 20 s backoff held up the cancellation")
        guard case .failure(.cancelled) = outcome else { Issue.record("expected cancelled, got \(outcome)"); return }
        #expect(server.requests().count == 1)
    }

    @Test func aHugeBodyIsRefused() throws {
        let server = try ScriptedServer([["huge": 3_000_000]])
        let proposer = LLMProposer(
            config: config(server) {
                $0.maxResponseBytes = 1 << 20; $0.retries = 0
            })
        var conversation = Conversation()
        var tally = ProposalTally()
        let outcome = proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally)
        guard case .failure(.oversized) = outcome else { Issue.record("expected oversized, got \(outcome)"); return }
    }

    @Test func aBodyThatIsNotAChatCompletionIsMalformed() throws {
        let server = try ScriptedServer([["raw": "<html>gateway</html>"]])
        let proposer = LLMProposer(config: config(server) { $0.retries = 0 })
        var conversation = Conversation()
        var tally = ProposalTally()
        guard case .failure(.malformedResponse) = proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally) else {
            Issue.record("expected a malformed response"); return
        }
    }

    @Test func aSpentBudgetStopsProposingWithoutARequest() throws {
        let server = try ScriptedServer([["content": Self.dpoReply, "prompt_tokens": 80, "completion_tokens": 30]])
        let proposer = LLMProposer(
            config: config(server) {
                $0.budgetTokens = 100; $0.pricePer1kTokens = 2
            })
        var conversation = Conversation()
        var tally = ProposalTally()
        _ = try proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally).get()
        let spent = tally.promptTokens + tally.completionTokens
        #expect(proposer.budgetSpent(tokens: spent) && abs(proposer.cost(tokens: spent) - 0.22) < 1e-12)
        var next = ProposalTally()
        guard case .failure(.budgetSpent) = proposer.propose(&conversation, examples: examples, spent: spent, tally: &next) else {
            Issue.record("expected the budget to stop it"); return
        }
        #expect(server.requests().count == 1)
    }

    static func error(of code: String) -> String? {
        do {
            try LossValidator.validate(try LossParser.parse(code).graph)
            return nil
        } catch {
            return error.description
        }
    }

    func jsonString(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }
}
