import Cluster
import Control
import Foundation
import Island
import Model
import TestSupport
import Testing
import Wire

/// A real `evod` island whose proposer is an LLM: the scripted OpenAI-compatible server over
/// real HTTP, the conversation as the server saw it, and what status and the database report.
@Suite(.serialized)
struct LLMIslandProcessTests {
    static let good1 = #"{"thought": "DPO with a margin", "name": "margin_dpo", "code": "-logsigmoid(beta * rho - 0.5)"}"#
    static let good2 = "Here you go:\n```json\n{\"thought\": \"IPO with a wider target\", \"name\": \"wide_ipo\", \"code\": \"(rho - 1 / beta) ** 2\"}\n```"
    static let invalid =
        #"{"thought": "a scalar", "name": "scalar", "code": "def f(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps):\n    return policy_chosen_logps.mean()"}"#
    static let repeated = #"{"thought": "plain DPO", "name": "dpo_again", "code": "-logsigmoid(beta * rho)"}"#

    /// A real island proposing with the scripted server (in_flight 1, fast backoff, plus `settings`),
    /// run until its token budget is spent and its evaluations are done; its last status.
    static func runUntilBudgetSpent(_ server: ScriptedServer, _ settings: String) throws -> (DaemonHarness, IslandStatus) {
        let harness = try DaemonHarness(extraIsland: #"proposer = "llm.toml""#)
        try "base_url = \"\(server.baseURL)\"\nmodel = \"scripted\"\nin_flight = 1\nbackoff_s = 0.01\n\(settings)\n"
            .write(to: harness.directory.appendingPathComponent("llm.toml"), atomically: true, encoding: .utf8)
        try harness.start()
        let status = try harness.waitFor(seconds: 120) {
            guard case let .llm(usage) = $0.proposer else { return false }
            return usage.state == .budgetSpent && $0.evaluations.inflight == 0
        }
        return (harness, status)
    }

    @Test func anIslandProposesWithTheLLMAnswersEveryReplyAndStopsAtItsBudget() throws {
        let steps: [[String: Any]] = [Self.good1, "I would try a hinge loss.", Self.invalid, Self.good2, Self.repeated]
            .map { ["content": $0, "prompt_tokens": 100, "completion_tokens": 20] }
        let server = try ScriptedServer(steps)
        let (harness, status) = try Self.runUntilBudgetSpent(server, "resamples = 2\nbudget_tokens = 840\nprice_per_1k_tokens = 0.5")
        Thread.sleep(forTimeInterval: 1)  // the generation that spent the budget ends
        let settled = try harness.waitFor { _ in true }.generation
        Thread.sleep(forTimeInterval: 1.5)
        let generation = try harness.waitFor { _ in true }.generation
        #expect(generation == settled && generation >= status.generation, "an island whose budget is spent counts no generations")
        _ = try harness.client.steer(.stop(token: ControlToken.read(from: harness.stateDirectory) ?? ""))
        harness.process?.waitUntilExit()

        // One proposal per generation (in_flight 1); the second takes three requests (not JSON, then a
        // scalar loss, each answered with its error). Seven requests of 120 tokens spend the budget of 840.
        let requests = server.requests()
        #expect(requests.count == 7)
        guard case let .llm(proposer) = status.proposer else {
            Issue.record("the island's proposer is not the LLM: \(status.proposer)")
            return
        }
        #expect(proposer.requests == 7)
        #expect(proposer.tokens == LLMUsage.Tokens(prompt: 700, completion: 140) && proposer.tokens.total == 840)
        #expect(abs(proposer.cost - 0.42) < 1e-12)
        #expect(proposer.failures == ["not json": 1, "invalid loss: shape": 1])
        let outcomes = proposer.proposals
        #expect(outcomes["evaluated", default: 0] + outcomes["failed", default: 0] == 2, "margin_dpo and wide_ipo")
        #expect(outcomes["invalid"] == 2 && outcomes["duplicate"] == 3, "the two unusable replies, and DPO (a seed) three times")

        // The conversation: examples (the seeds, with fitness), then each outcome as its feedback.
        let first = server.messages(0)
        #expect(first.map(\.role) == ["system", "user"])
        let list = try #require(first[1].content.split(separator: "\n").first { $0.hasPrefix("[") })
        let examples = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])
        // The archive's elites after generation 0: seeds (two of the four share a cell), in the compact form.
        #expect((1...4).contains(examples.count) && examples.allSatisfy { $0["fitness"] is Double && ($0["code"] as? String)?.contains("rho") == true })
        let second = server.messages(1)
        #expect(second.suffix(2).map(\.role) == ["assistant", "user"])
        #expect(second.last?.content.hasPrefix("Fitness: ") == true && second.last?.content.hasSuffix(".\nPlease generate the next one.") == true)
        #expect(server.messages(2).last?.content.hasPrefix("Code not valid. Error: the reply is not JSON") == true)
        let shapeError = try #require(server.messages(3).last?.content)
        #expect(shapeError.hasPrefix("Code not valid. Error: ") && shapeError.contains("Expected loss shape to be per input"), "\(shapeError)")
        #expect(server.messages(4).last?.content.hasPrefix("Fitness: ") == true)
        for index in [5, 6] { #expect(server.messages(index).last?.content.hasPrefix("This loss was already tried (fitness ") == true) }

        // Every reply is kept: new valid ones as candidates, unusable ones as invalid candidates with
        // their error; the three repeats of DPO as a count on the seed's row.
        let rows = try harness.rows().values.filter { ($0["proposer"] as String) == "llm" }
        #expect(rows.count == 4)
        #expect(try harness.rows().values.contains { ($0["name"] as String) == "dpo" && ($0["repeats"] as Int) == 3 })
        #expect(rows.contains { ($0["name"] as String) == "margin_dpo" && ($0["status"] as String) == "evaluated" })
        #expect(rows.filter { ($0["status"] as String) == "invalid" }.allSatisfy { !(($0["error"] as String?) ?? "").isEmpty })
        #expect(!harness.log.contains("Fatal error"))
    }

    @Test func exploreRequestsNameAnEmptyCellsShapeAndExamplesCarryTheirs() throws {
        let steps: [[String: Any]] = [Self.good1, Self.good2].map { ["content": $0, "prompt_tokens": 100, "completion_tokens": 20] }
        let server = try ScriptedServer(steps)
        let (harness, status) = try Self.runUntilBudgetSpent(server, "budget_tokens = 240\nexplore = 1.0")
        _ = try harness.client.steer(.stop(token: ControlToken.read(from: harness.stateDirectory) ?? ""))
        harness.process?.waitUntilExit()
        #expect(server.requests().count == 2)
        for index in 0..<2 {
            let last = try #require(server.messages(index).last?.content)
            let phrase = "This time, aim for a shape that no loss above has: "
            #expect(last.contains(phrase), "\(last)")
            // The target is said in the words of the descriptors: convexity, slope at 0, beta.
            let target = String(last[try #require(last.range(of: phrase)).upperBound...])
            #expect(["convex", "concave"].contains { target.contains($0) } && target.contains("rho = 0") && target.contains("beta"), "\(target)")
        }
        let list = try #require(server.messages(0)[1].content.split(separator: "\n").first { $0.hasPrefix("[") })
        let examples = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])
        #expect(!examples.isEmpty && examples.allSatisfy { ($0["shape"] as? String)?.contains("rho = 0") == true }, "\(examples)")
        guard case let .llm(usage) = status.proposer else {
            Issue.record("the island's proposer is not the LLM: \(status.proposer)")
            return
        }
        #expect(usage.directed.exploreRequests == 2, "\(usage.directed)")
        #expect(usage.directed.newCellExplore + usage.directed.newCellExploit <= 2)
    }

    @Test func aRescaledEliteIsANearDuplicateAnsweredWithoutTraining() throws {
        let rescaled = #"{"thought": "DPO, twice as strong", "name": "double_dpo", "code": "2 * -logsigmoid(beta * rho) + 0.1"}"#
        let steps: [[String: Any]] = [rescaled, Self.good1].map { ["content": $0, "prompt_tokens": 100, "completion_tokens": 20] }
        let server = try ScriptedServer(steps)
        let (harness, status) = try Self.runUntilBudgetSpent(server, "budget_tokens = 240")
        _ = try harness.client.steer(.stop(token: ControlToken.read(from: harness.stateDirectory) ?? ""))
        harness.process?.waitUntilExit()
        let feedback = try #require(server.messages(1).last?.content)
        #expect(feedback.hasPrefix("This loss is nearly identical to dpo (fitness "), "\(feedback)")
        #expect(feedback.contains("Change its shape, not its constants."))
        guard case let .llm(usage) = status.proposer else {
            Issue.record("the island's proposer is not the LLM: \(status.proposer)")
            return
        }
        #expect(usage.nearDuplicates == 1)
        // Never trained, and counted instead of stored.
        let rows = try harness.rows().values.filter { ($0["proposer"] as String) == "llm" }
        #expect(!rows.contains { ($0["name"] as String) == "double_dpo" })
        #expect(usage.proposals["duplicate"] == 1)
        #expect(rows.contains { ($0["name"] as String) == "margin_dpo" && ($0["status"] as String) != "duplicate" }, "a shifted margin is a new shape")
    }

    @Test func theLLMIsOneEmitterUnderTheSchedulerAndTheIslandGoesOnWhenItsBudgetIsSpent() throws {
        let steps: [[String: Any]] = [Self.good1, Self.good2, Self.repeated].map { ["content": $0, "prompt_tokens": 100, "completion_tokens": 20] }
        let server = try ScriptedServer(steps)
        let harness = try DaemonHarness(extraIsland: "emitters = [\"tweak\", \"shape\", \"recombine\", \"llm.toml\"]\nscheduler_floor = 0.5")
        try "base_url = \"\(server.baseURL)\"\nmodel = \"scripted\"\nin_flight = 1\nbackoff_s = 0.01\nbudget_tokens = 360\ncost = 4\n"
            .write(to: harness.directory.appendingPathComponent("llm.toml"), atomically: true, encoding: .utf8)
        try harness.start()
        let llm = { (status: IslandStatus) -> EmitterStatus? in
            guard case let .scheduler(emitters) = status.proposer else { return nil }
            return emitters.first { $0.name == "llm" }
        }
        let spent = try harness.waitFor(seconds: 120) { llm($0)?.llm?.state == .budgetSpent && $0.evaluations.inflight == 0 }
        // The mutation families go on without it: generations still pass, and the LLM is never drawn again.
        let later = try harness.waitFor(seconds: 60) { $0.generation >= spent.generation + 3 }
        _ = try harness.client.steer(.stop(token: ControlToken.read(from: harness.stateDirectory) ?? ""))
        harness.process?.waitUntilExit()

        #expect(server.requests().count == 3, "three replies of 120 tokens spend the budget of 360")
        guard case let .scheduler(emitters) = later.proposer, let usage = llm(later)?.llm, let emitter = llm(later) else {
            Issue.record("the island's proposer is not the scheduler with an LLM: \(later.proposer)")
            return
        }
        #expect(emitters.map(\.name) == ["tweak", "shape", "recombine", "llm"])
        #expect(emitter.cost == 4)
        #expect(emitter.tally.proposed == 3 && emitter.tally.duplicates == 1 && emitter.tally.new == 2, "\(emitter.tally)")
        #expect(usage.requests == 3 && usage.tokens.total == 360)
        #expect(emitter.weight == 0, "a spent LLM is not drawn")
        #expect(abs(emitters.map(\.weight).reduce(0, +) - 1) < 1e-9)
        #expect(emitters.filter { $0.name != "llm" }.allSatisfy { $0.tally.proposed > 0 && $0.weight >= 0.5 / 3 - 1e-9 }, "\(emitters)")
        // Its children are stored under its name, beside the mutation families' own.
        let rows = try harness.rows().values
        let fromLLM = rows.filter { ($0["emitter"] as String?) == "llm" }.map { $0["name"] as String }.sorted()
        #expect(fromLLM == ["margin_dpo", "wide_ipo"])
        #expect(rows.contains { ($0["emitter"] as String?) == "shape" })
        #expect(!harness.log.contains("Fatal error"))
    }

    @Test func sigtermDuringASlowLLMReplyStopsTheIslandPromptly() throws {
        let server = try ScriptedServer([["delay": 60.0, "content": Self.good1]])
        let harness = try DaemonHarness(extraIsland: #"proposer = "llm.toml""#)
        try "base_url = \"\(server.baseURL)\"\ntimeout_s = 300\n".write(to: harness.directory.appendingPathComponent("llm.toml"), atomically: true, encoding: .utf8)
        try harness.start()
        let deadline = Date().addingTimeInterval(60)
        while server.requests().isEmpty, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(!server.requests().isEmpty, "the island never asked the LLM: \(harness.log)")
        let process = try #require(harness.process)
        let start = Date()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(start) < 10, "the island waited for the LLM's reply")
        #expect(process.terminationStatus == 0, "\(harness.log)")
        #expect(try harness.counter("llm.failed.cancelled") == 0, "a shutdown is not a failure of the LLM")
    }
}
