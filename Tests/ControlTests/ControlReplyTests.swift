import Control
import Foundation
import Model
import Testing

struct ControlReplyTests {
    static func sampleStatus(proposer: ProposerStatus) -> IslandStatus {
        var evaluations = EvaluationCounts()
        (evaluations.done, evaluations.inflight, evaluations.confirmed) = (120, 4, 6)
        var migration = MigrationCounts()
        (migration.sent, migration.received, migration.resets) = (10, 8, 1)
        return IslandStatus(
            id: 3, state: .paused, generation: 17, population: 140,
            archive: ArchiveSummary(filled: 12, cells: 320, coverage: 0.0375, qdScore: 20.5),
            best: BestSummary(id: 88, name: "anchored_dpo", fitness: 0.71, searchFitness: 0.72, confirmed: true),
            evaluations: evaluations, proposals: ProposalCounts(), migration: migration, proposer: proposer,
            evaluator: EvaluatorStatus(kind: .farm, state: .unreachable, unreachableSeconds: 12, endpoint: "tcp://127.0.0.1:7201"),
            fault: Fault(error: "generation 17 failed: disk full", seconds: 3), uptimeSeconds: 99, droppedMessages: 2,
            warnings: ["promotion_threshold 0.5 is not a tenth below ..."])
    }

    static var usage: LLMUsage {
        var directed = LLMUsage.Directed()
        directed.exploreRequests = 2
        return LLMUsage(
            model: "qwen", state: .budgetSpent, requests: 7, tokens: .init(prompt: 700, completion: 140), cost: 0.42,
            budget: .init(tokens: 840, cost: 0, spent: true), proposals: ["evaluated": 2, "invalid": 2], failures: ["not json": 1],
            directed: directed, nearDuplicates: 1)
    }

    static var emitters: [EmitterStatus] {
        var tally = EmitterTally()
        (tally.proposed, tally.evaluated, tally.duplicates, tally.nearDuplicates, tally.added, tally.raisedBest) = (20, 15, 3, 2, 6, 1)
        return [
            EmitterStatus(name: "tweak", cost: 1, tally: tally, weight: 0.7, share: 0.8),
            EmitterStatus(name: "llm", cost: 4, tally: EmitterTally(), weight: 0.3, share: 0.2, llm: usage),
        ]
    }

    @Test(arguments: [ProposerStatus.mutation, .llm(usage), .scheduler(emitters)])
    func aStatusRoundTripsThroughItsReply(proposer: ProposerStatus) throws {
        let status = Self.sampleStatus(proposer: proposer)
        let data = ControlCoding.success(status)
        let reply = try ControlCoding.decoder.decode(ControlReply<IslandStatus>.self, from: data)
        guard case let .success(decoded) = reply else {
            Issue.record("not a success: \(String(decoding: data, as: UTF8.self))")
            return
        }
        #expect(decoded == status)
    }

    @Test func theStatusKeepsTheShapeScriptsRead() throws {
        let data = ControlCoding.success(Self.sampleStatus(proposer: .llm(Self.usage)))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["ok"] as? Bool == true)
        let status = try #require(object["result"] as? [String: Any])
        #expect(status["uptime_s"] as? Double == 99 && status["dropped_messages"] as? Int == 2)
        #expect((status["archive"] as? [String: Any])?["qd_score"] as? Double == 20.5)
        #expect((status["best"] as? [String: Any])?["search_fitness"] as? Double == 0.72)
        #expect((status["evaluator"] as? [String: Any])?["unreachable_s"] as? Double == 12)
        #expect(status["warnings"] as? [String] == ["promotion_threshold 0.5 is not a tenth below ..."])
        // The proposer is one flat object: its kind beside the LLM's usage.
        let proposer = try #require(status["proposer"] as? [String: Any])
        #expect(proposer["kind"] as? String == "llm" && proposer["state"] as? String == "budget spent")
        #expect(proposer["tokens"] as? [String: Int] == ["prompt": 700, "completion": 140, "total": 840])
        #expect((proposer["directed"] as? [String: Int])?["explore_requests"] == 2 && proposer["near_duplicates"] as? Int == 1)
    }

    @Test func aCandidateWritesEveryFieldAndNonFiniteNumbersSurvive() throws {
        var candidate = CandidateSummary(id: 5, name: "x", generation: 1, source: "rho", parents: [1, 2], proposer: .llm, status: .evaluated)
        candidate.fitness = -.infinity
        candidate.outcome = .notAdded
        let data = ControlCoding.success([candidate])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""confirmed_fitness":null"#) && text.contains(#""fitness":"-inf""#) && text.contains(#""outcome":"not added""#), "\(text)")
        let reply = try ControlCoding.decoder.decode(ControlReply<[CandidateSummary]>.self, from: data)
        guard case let .success(decoded) = reply else {
            Issue.record("not a success: \(text)")
            return
        }
        #expect(decoded == [candidate])
    }

    @Test func aRefusalCarriesItsReason() throws {
        let reply = try ControlCoding.decoder.decode(ControlReply<IslandStatus>.self, from: ControlCoding.failure("no candidate 9 on island 1"))
        guard case let .failure(reason) = reply else {
            Issue.record("not a failure")
            return
        }
        #expect(reason == "no candidate 9 on island 1")
    }

    @Test func anArchiveKeepsItsBinsAsTriples() throws {
        let bins = DescriptorBins(
            convexity: .init(lower: -1, upper: 1, count: 8), grad0: .init(lower: -1, upper: 1, count: 8), betaSensitivity: .init(lower: 0, upper: 0.25, count: 5))
        let snapshot = ArchiveSnapshot(
            island: 2, bins: bins, cells: [.init(cell: 9, convexityBin: 1, grad0Bin: 1, betaSensitivityBin: 0, candidate: 4, fitness: 0.5)])
        let text = String(decoding: try ControlCoding.encoder.encode(snapshot), as: UTF8.self)
        #expect(text.contains(#""beta_sensitivity":[0,0.25,5]"#) && text.contains(#""beta_sensitivity_bin":0"#), "\(text)")
        #expect(try ControlCoding.decoder.decode(ArchiveSnapshot.self, from: Data(text.utf8)) == snapshot)
    }
}
