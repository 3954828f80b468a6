import Control
import Foundation
import GRDB
import LLMProposer
import LossLanguage
import Model
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where `make llm` put llama.cpp's server and Gemma 3 270M (`make test` passes them in).
enum RealLLM {
    static let paths: (server: String, model: String)? = {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["EVOD_LLM_SERVER"], let model = environment["EVOD_LLM_MODEL"],
            FileManager.default.isExecutableFile(atPath: server), FileManager.default.fileExists(atPath: model)
        else { return nil }
        return (server, model)
    }()
}

/// The LLM proposer end to end against a real LLM: llama.cpp's server with Gemma 3 270M on
/// loopback, two real `evod` islands, a token budget each; it stops them once an LLM proposal was
/// a valid loss and an unusable reply was answered with its error. One seed (DPO): Gemma 3 270M
/// mostly copies the first example it is shown, so with four seeds a small budget may see no new
/// loss. A valid proposal may still be that copy: a duplicate, parsed and validated like any other
/// and then not trained again (one CI run's 26 replies held 3 duplicates and no new loss).
@Suite(.serialized, .enabled(if: RealLLM.paths != nil, "needs EVOD_LLM_SERVER and EVOD_LLM_MODEL: `make test` sets them from `make llm`"))
struct RealLLMTests {
    @Test func twoIslandsSearchWithGemmaAndAnswerEveryReply() throws {
        let (serverPath, model) = try #require(RealLLM.paths)
        let harness = try ClusterHarness(
            islands: 2, cluster: "evaluator = \"local\"",
            island: "proposer = \"llm.toml\"\nevaluations_in_flight = 1\nseed_losses = [\"dpo\"]")
        let port = try ClusterHarness.freePorts(1)[0]
        let server = try startServer(serverPath, model: model, port: port, log: harness.directory.appendingPathComponent("llama-server.log"))
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        try harness.write(
            """
            base_url = "http://127.0.0.1:\(port)/v1"
            model = "gemma-3-270m"
            in_flight = 1
            temperature = 1.3
            history = 0
            hints = true
            max_tokens = 400
            timeout_s = 300
            response_format = "json_schema"
            thought_max_chars = 200
            context_tokens = 3072
            resamples = 2
            budget_tokens = 15000
            """, to: "llm.toml")
        try harness.startIsland(1)
        try harness.startIsland(2)
        // Until an LLM proposal was a valid loss, an unusable reply answered and each island answered
        // at least once (or both budgets are spent).
        var statuses: [IslandStatus] = []
        let deadline = Date().addingTimeInterval(900)
        while Date() < deadline {
            statuses = (1...2).compactMap { harness.status(island: $0) }
            let proposers = statuses.compactMap { status -> LLMUsage? in
                if case let .llm(usage) = status.proposer { return usage }
                return nil
            }
            let outcomes = proposers.map(\.proposals)
            let valid = outcomes.map { $0["evaluated", default: 0] + $0["failed", default: 0] + $0["duplicate", default: 0] }.reduce(0, +)
            let invalid = outcomes.map { $0["invalid", default: 0] }.reduce(0, +)
            let spent = proposers.count == 2 && proposers.allSatisfy { $0.state == .budgetSpent }
            // Each island has had at least one reply (its first request is slow: two share the server).
            let answered = proposers.count == 2 && proposers.allSatisfy { $0.requests >= 1 }
            if statuses.count == 2, (valid >= 1 && invalid >= 1 && answered) || spent { break }
            let running = harness.processes.values.allSatisfy { $0.isRunning }
            #expect(running, "an island died:\n\(harness.logs)")
            if !running { break }
            Thread.sleep(forTimeInterval: 1)
        }
        harness.stopAll()
        #expect(statuses.count == 2, "no status from the islands:\n\(harness.logs)")
        for process in harness.processes.values { #expect(process.terminationStatus == 0, "\(harness.logs)") }

        var evaluated = 0, valid = 0, invalid = 0
        for (index, status) in statuses.enumerated() {
            guard case let .llm(proposer) = status.proposer else {
                Issue.record("island \(index + 1)'s proposer is not the LLM")
                continue
            }
            let tokens = proposer.tokens
            #expect(tokens.prompt > 0 && tokens.completion > 0, "island \(index + 1) counted \(tokens)")
            let outcomes = proposer.proposals
            evaluated += outcomes["evaluated", default: 0] + outcomes["failed", default: 0]
            valid += outcomes["evaluated", default: 0] + outcomes["failed", default: 0] + outcomes["duplicate", default: 0]
            invalid += outcomes["invalid", default: 0]
            print("island \(index + 1): requests \(proposer.requests), tokens \(tokens), proposals \(outcomes), failures \(proposer.failures)")
        }
        #expect(valid >= 1, "no LLM proposal was a valid loss:\n\(harness.logs)")
        // Every unusable reply was answered with its exact error, and the answer is in the conversation.
        for island in 1...2 {
            let queue = try DatabaseQueue(path: harness.directory.appendingPathComponent("state/island-\(island)/island.sqlite").path)
            let (errors, answers) = try queue.read { db in
                (
                    try String.fetchAll(db, sql: "SELECT error FROM candidates WHERE proposer = 'llm' AND status = 'invalid'"),
                    try String.fetchAll(db, sql: "SELECT content FROM llm_turns WHERE role = 'user' AND content LIKE 'Code not valid. Error: %'")
                )
            }
            #expect(errors.sorted() == answers.map { String($0.dropFirst(23).dropLast(30)) }.sorted(), "island \(island)")
            // What the model proposed, for the test log.
            try queue.read { db in
                for row in try Row.fetchAll(db, sql: "SELECT name, status, canonical, error FROM candidates WHERE proposer = 'llm' ORDER BY id") {
                    let detail: String = row["canonical"] ?? row["error"] ?? ""
                    print("island \(island): \(row["status"] as String) \(row["name"] as String): \(detail.prefix(160))")
                }
            }
        }
        print("LLM proposals valid: \(valid) (evaluated: \(evaluated)), invalid replies answered with their error: \(invalid)")
    }

    /// Constrained decoding against the real model: every reply generated under the GBNF grammar
    /// (llama.cpp's `grammar` field) is the reply object with compact code that parses, unless it
    /// runs on until `max_tokens` cuts it off (the grammar bounds form, not length: docs/results/2026-12-02-llm-proposer.md, 7 in 288).
    @Test func everyReplyUnderTheGrammarParses() throws {
        let (serverPath, model) = try #require(RealLLM.paths)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-grammar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try ClusterHarness.freePorts(1)[0]
        let server = try startServer(serverPath, model: model, port: port, log: directory.appendingPathComponent("llama-server.log"))
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        // The shipped settings of `make demo-llm` (grammar, temperature, penalties, max_tokens), on this server, no re-samples.
        var config = try ProposerConfig.load(path: DaemonHarness.root.appendingPathComponent("configs/proposers/local.toml").path)
        (config.baseURL, config.timeoutSeconds, config.resamples) = ("http://127.0.0.1:\(port)/v1", 300, 0)
        #expect(config.constrained == .gbnf)
        let proposer = LLMProposer(config: config)
        let examples = DiscoPOPPrompt.examples([(code: "-logsigmoid(beta * rho)", fitness: 0.91), (code: "relu(1 - beta * rho)", fitness: 0.89)])
        // Every reply that ends must parse; at least one must be a valid loss. About 64% of replies are (docs/results/2026-12-02-llm-proposer.md), so
        // three replies all refused for what a grammar cannot see happen one run in twenty: up to six
        // replies are asked for until one is valid (all six refused: one run in 400).
        var parsed = 0
        for attempt in 0..<6 where attempt < 3 || parsed == 0 {
            var conversation = Conversation()
            var tally = ProposalTally()
            switch proposer.propose(&conversation, examples: examples, spent: 0, tally: &tally) {
            case let .success(proposal):
                parsed += 1
                print("grammar reply \(attempt): \(proposal.reply.name): \(proposal.graph.canonicalForm)")
            case let .failure(error):
                // Only what a grammar cannot see may fail: a loss that validation refuses, or a reply
                // that the grammar lets run on (a long chain of terms) until max_tokens cuts it off.
                let reply = tally.rejected.first?.reply ?? ""
                print("grammar reply \(attempt) refused: \(error) — \(reply.prefix(300))")
                if case .truncated = error { continue }
                guard case let .invalidLoss(_, kind) = error, kind == "shape" || kind == "numerical" else {
                    Issue.record("a reply under the grammar failed with \(error): \(reply)")
                    continue
                }
            }
        }
        #expect(parsed >= 1, "no reply under the grammar was a valid loss")
    }

    /// Whether the server's /health answers ok within 2 s (a server still loading may accept the
    /// connection and answer late: `Data(contentsOf:)` would wait for it with no limit).
    static func healthy(port: Int) -> Bool {
        guard let url = URL(string: "http://127.0.0.1:\(port)/health") else { return false }
        let answer = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: URLRequest(url: url, timeoutInterval: 2)) { data, _, _ in
            answer.withLock { $0 = data.map { String(decoding: $0, as: UTF8.self) } }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + 3) == .timedOut { task.cancel() }
        return answer.withLock { $0 }?.contains("ok") == true
    }

    /// `llama-server` on loopback, ready (its /health answers ok) or an error with its log.
    func startServer(_ path: String, model: String, port: Int, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "-m", model, "--host", "127.0.0.1", "--port", "\(port)", "-c", "8192", "-np", "2",
            "-t", "\(ProcessInfo.processInfo.activeProcessorCount)",
        ]
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
        }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.isRunning {
            if Self.healthy(port: port) { return process }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw NSError(domain: "RealLLMTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "llama-server did not start: \(text.suffix(2_000))"])
    }
}
