import Cluster
import Control
import Evaluation
import Foundation
import GRDB
import Island
import LossLanguage
import PrefBandit
import Testing

/// Stage 3 on a real island (local evaluator, a small two-member suite): a candidate whose stage-2
/// fitness enters the island's top k is confirmed on the confirmation seeds, and no other is.
final class ConfirmationTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-confirmation-tests-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    static var suite: TaskConfig {
        var s = PrefBanditSettings()
        (s.pairs, s.heldoutPrompts, s.responses, s.features, s.steps, s.batchSize, s.learningRate) = (64, 32, 8, 8, 120, 16, 0.03)
        var noisy = s
        noisy.labelNoise = 0.2
        func member(_ name: String, _ settings: PrefBanditSettings, weight: Double) -> TaskMember {
            TaskMember(
                name: name, weight: weight, kind: .prefbandit(settings),
                stageOne: EvaluationGrid(betas: [0.1], seeds: [1], starts: [.exact]),
                stageTwo: EvaluationGrid(betas: [0.1, 1.0], seeds: [1, 2], starts: [.exact]),
                confirmationSeeds: [11, 12, 13], heldoutSeeds: [21])
        }
        return TaskConfig(members: [member("clean", s, weight: 1), member("noisy", noisy, weight: 2)])
    }

    @Test func aPromotionThresholdNotClearlyBelowTheBaselinesStageOneFitnessIsSaid() throws {
        let dpo = Self.suite.makeEvaluator().evaluate(try LossParser.parse("-logsigmoid(beta * rho)").graph, name: "dpo", stage: .one)
        let fitness = try #require(dpo.fitness)
        #expect(fitness > 0)
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        var settings = IslandSettings(id: 1, seed: 3)
        settings.promotionThreshold = fitness * 0.95
        let close = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        let warning = try #require(try close.promotionThresholdWarning())
        #expect(warning.contains("promotion_threshold \(fitness * 0.95)") && warning.contains(String(format: "%.4f", fitness)))
        #expect(warning.contains("baseline dpo"))
        // A tenth below the baseline's fitness or more, nothing is said (from the result the first engine stored).
        settings.promotionThreshold = fitness * 0.89
        let clear = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        #expect(try clear.promotionThresholdWarning() == nil)
        // Another baseline is trained for itself, not read from the first one's result: with the
        // threshold at 0.9 of the middle of the two losses' fitness, only the lower one is said.
        let ipoSource = try #require(StandardLosses.named("ipo")).source
        let ipo = try #require(Self.suite.makeEvaluator().evaluate(try LossParser.parse(ipoSource).graph, name: "ipo", stage: .one).fitness)
        #expect(ipo > 0 && ipo != fitness)
        (settings.baseline, settings.promotionThreshold) = (try #require(LossReference("ipo")), 0.9 * (ipo + fitness) / 2)
        let other = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        #expect((try other.promotionThresholdWarning() != nil) == (ipo < fitness))
    }

    @Test func aCandidateEnteringTheTopKIsConfirmedAndNoOther() throws {
        var settings = IslandSettings(id: 1, seed: 3)
        settings.childrenPerGeneration = 6
        settings.seedLosses = ["dpo", "slic", "ipo", "exponential", "robust"].compactMap(LossReference.init)
        settings.confirmTopK = 2
        settings.evaluationsInFlight = 1  // one at a time, in id order: the top k at each evaluation is well defined
        settings.promotionThreshold = -10  // every candidate reaches stage 2
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        let engine = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        for _ in 0..<3 { try engine.runGeneration() }

        let evaluated = try store.candidates(status: .evaluated).sorted { $0.id! < $1.id! }
        #expect(evaluated.count >= 10 && evaluated.allSatisfy { $0.stage == .two })
        var earlier: [Double] = []
        for candidate in evaluated {
            let fitness = try #require(candidate.fitness)
            let kth = earlier.sorted(by: >).dropFirst(settings.confirmTopK - 1).first
            let entering = kth.map { fitness >= $0 } ?? true
            #expect((candidate.confirmedFitness != nil) == entering, "\(candidate.name): \(fitness) against k-th \(kth ?? .nan)")
            earlier.append(fitness)
        }
        let confirmed = evaluated.filter { $0.confirmedFitness != nil }
        #expect(confirmed.count >= 2 && confirmed.count < evaluated.count)
        #expect(try store.counters().byName["evaluations.stage3"] == confirmed.count)

        // The baseline (DPO) was trained once on the confirmation seeds; each difference is paired to it.
        let baseline = Self.suite.makeEvaluator().evaluate(try LossParser.parse("-logsigmoid(beta * rho)").graph, name: "dpo", stage: .three)
        let baselineFitness = try #require(baseline.fitness)
        #expect(Set(baseline.runs.map(\.seed)) == [11, 12, 13])
        for candidate in confirmed {
            #expect(abs((candidate.confirmedDifference ?? .nan) - (candidate.confirmedFitness! - baselineFitness)) < 1e-12)
            #expect((candidate.confirmedStandardError ?? -1) >= 0)
            #expect(candidate.confirmedMembers?.contains { $0.name == "noisy" } == true)
        }
        // The island's best is the best confirmed candidate, by confirmed fitness.
        let best = try #require(confirmed.max { $0.confirmedFitness! < $1.confirmedFitness! })
        let handler = ControlHandler(engine: engine, controls: IslandControls(), token: "t")
        let reply = try JSONSerialization.jsonObject(with: handler.handle(Data(#"{"command": "status"}"#.utf8))) as? [String: Any]
        let status = try #require(reply?["result"] as? [String: Any])
        let shown = try #require(status["best"] as? [String: Any])
        #expect((shown["id"] as? NSNumber)?.int64Value == best.id)
        #expect(abs((shown["fitness"] as? Double ?? .nan) - best.confirmedFitness!) < 1e-12 && shown["confirmed"] as? Bool == true)
    }

    /// A cascade whose stage 3 is a scripted "real" task: a command that scores a loss by how short
    /// its PyTorch export is (plus a thousandth of the seed), which orders losses otherwise than the proxy does.
    static var cascade: TaskConfig {
        let script = #"n=$(wc -c < "$0"); awk -v n="$n" -v s="$2" 'BEGIN { printf "{\"fitness\": %.9f}", 100 / n + s / 1000 }' > "$3""#
        let grid = EvaluationGrid(betas: [0.1], seeds: [1], starts: [.exact])
        let real = TaskMember(
            name: "real", kind: .command(CommandTaskSettings(argv: ["/bin/sh", "-c", script, "{file}", "{beta}", "{seed}", "{output}"], timeoutSeconds: 30)),
            stageOne: grid, stageTwo: grid, confirmationSeeds: [31, 32, 33], heldoutSeeds: [41])
        let proxy = StageTask(name: "proxy", task: suite)
        return TaskConfig(
            members: suite.members, stageTasks: [.one: proxy, .two: proxy, .three: StageTask(name: "real", task: TaskConfig(members: [real]))])
    }

    @Test func anIslandWhoseStageThreeIsAnotherTaskConfirmsAndRanksByIt() throws {
        var settings = IslandSettings(id: 1, seed: 3)
        settings.childrenPerGeneration = 6
        settings.seedLosses = ["dpo", "slic", "ipo", "exponential", "robust"].compactMap(LossReference.init)
        settings.confirmTopK = 3
        settings.promotionThreshold = -10
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        let engine = try IslandEngine(settings: settings, store: store, evaluator: Self.cascade.makeEvaluator())
        for _ in 0..<3 { try engine.runGeneration() }

        let evaluated = try store.candidates(status: .evaluated)
        #expect(evaluated.allSatisfy { $0.members?.contains { $0.name == "clean" } == true }, "stages 1 and 2 trained elsewhere than the proxy")
        let confirmed = evaluated.filter { $0.confirmedFitness != nil }
        #expect(confirmed.count >= 3)
        // As the island names it: the scripted score reads the export, whose function bears the name.
        let baseline = Self.cascade.makeEvaluator().evaluate(try LossParser.parse("-logsigmoid(beta * rho)").graph, name: "baseline-dpo", stage: .three)
        #expect(Set(baseline.runs.map(\.seed)) == [31, 32, 33] && baseline.runs.allSatisfy { $0.member == "real" })
        let baselineFitness = try #require(baseline.fitness)
        for candidate in confirmed {
            #expect(candidate.confirmedMembers?.contains { $0.name == "real" } == true && candidate.confirmedMembers?.contains { $0.name == "clean" } == false)
            #expect(abs((candidate.confirmedDifference ?? .nan) - (candidate.confirmedFitness! - baselineFitness)) < 1e-9)
            // The real task's score: 100 / the export's length + the mean seed / 1000.
            #expect(candidate.confirmedFitness! > 0.032 && candidate.confirmedFitness! < 1)
        }
        // The island's best is the best by the real task's fitness, whatever the proxy says.
        let best = try #require(confirmed.max { $0.confirmedFitness! < $1.confirmedFitness! })
        let handler = ControlHandler(engine: engine, controls: IslandControls(), token: "t")
        let reply = try JSONSerialization.jsonObject(with: handler.handle(Data(#"{"command": "status"}"#.utf8))) as? [String: Any]
        let shown = try #require((reply?["result"] as? [String: Any])?["best"] as? [String: Any])
        #expect((shown["id"] as? NSNumber)?.int64Value == best.id)
        #expect(shown["confirmed"] as? Bool == true)
    }
}

/// The live proxy audit: its draws, and an island that audits.
final class AuditTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-audit-tests-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    @Test(arguments: [0.05, 0.3, 0.9])
    func theShareIsHonouredAndTheDrawsAreReproducibleAndSeeded(share: Double) {
        let ids = Array(Int64(1)...20_000)
        let drawn = ids.filter { IslandEngine.isDrawn(candidate: $0, seed: 7, share: share) }
        // Binomial: within 4 standard deviations of the share, over every one of the 20,000 cases.
        let deviation = (share * (1 - share) / Double(ids.count)).squareRoot()
        #expect(abs(Double(drawn.count) / Double(ids.count) - share) < 4 * deviation, "\(drawn.count) of \(ids.count) drawn")
        #expect(drawn == ids.filter { IslandEngine.isDrawn(candidate: $0, seed: 7, share: share) }, "the draws are not reproducible")
        let other = ids.filter { IslandEngine.isDrawn(candidate: $0, seed: 8, share: share) }
        #expect(Set(other) != Set(drawn), "another island's seed draws the same candidates")
        // Neighbouring ids are drawn independently: as many pairs of consecutive drawn ids as chance gives.
        let consecutive = zip(drawn, drawn.dropFirst()).filter { $1 == $0 + 1 }.count
        let expected = share * share * Double(ids.count - 1)
        #expect(abs(Double(consecutive) - expected) < 4 * (expected * (1 - share * share)).squareRoot() + 2)
        #expect(!ids.contains { IslandEngine.isDrawn(candidate: $0, seed: 7, share: 0) })
        #expect(ids.allSatisfy { IslandEngine.isDrawn(candidate: $0, seed: 7, share: 1) })
    }

    @Test func anIslandAuditsItsDrawnStageTwoCandidatesAndSaysWhenTheProxyStopsPredicting() throws {
        var settings = IslandSettings(id: 1, seed: 3)
        settings.childrenPerGeneration = 6
        settings.seedLosses = ["dpo", "slic", "ipo", "exponential", "robust"].compactMap(LossReference.init)
        settings.confirmTopK = 2
        settings.evaluationsInFlight = 1
        settings.promotionThreshold = -10
        settings.audit.share = 1  // every stage-2 candidate outside the top k
        settings.audit.minimum = 4
        settings.audit.warnBelow = 1  // any correlation short of perfect is "below"
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        let engine = try IslandEngine(settings: settings, store: store, evaluator: ConfirmationTests.cascade.makeEvaluator(), confirmationTask: "real")
        for _ in 0..<3 { try engine.runGeneration() }

        let evaluated = try store.candidates(status: .evaluated).filter { $0.stage == .two }
        #expect(evaluated.count >= 10)
        #expect(evaluated.allSatisfy { $0.confirmedFitness != nil }, "a stage-2 candidate was neither confirmed nor audited")
        let audited = evaluated.filter { $0.confirmedBy == .audit }
        #expect(audited.count >= 5 && evaluated.contains { $0.confirmedBy == .topK })
        #expect(try store.counters().byName["evaluations.audits"] == audited.count)

        let audit = try #require(try engine.auditStatus())
        #expect(audit.task == "real" && audit.share == 1 && audit.audited == audited.count)
        #expect(audit.points.map(\.candidate) == audited.compactMap(\.id).sorted())
        let expected = RankCorrelation(audited.sorted { $0.id! < $1.id! }.map { (x: $0.fitness!, y: $0.confirmedFitness!) })
        #expect(audit.rankCorrelation == expected.rho && audit.rankCorrelation != nil)
        let handler = ControlHandler(engine: engine, controls: IslandControls(), token: "t")
        let status = try JSONDecoder().decode(ControlReplyBox.self, from: handler.handle(Data(#"{"command": "status"}"#.utf8))).result
        #expect(status.audit == audit)
        #expect(status.evaluations.audited == audited.count)
        #expect(status.warnings?.contains { $0.hasPrefix("the proxy no longer predicts stage 3 (real)") } == true, "\(status.warnings ?? [])")

        // The share is the island's: with none drawn, the audit says nothing and trains nothing more.
        settings.audit.share = 0
        let quiet = try IslandEngine(
            settings: settings, store: try IslandStore(path: directory.appendingPathComponent("quiet.sqlite").path),
            evaluator: ConfirmationTests.cascade.makeEvaluator(), confirmationTask: "real")
        for _ in 0..<2 { try quiet.runGeneration() }
        #expect(try quiet.auditStatus() == nil)
        #expect(try quiet.store.counters().byName["evaluations.audits"] == nil)
    }
}

extension AuditTests {
    /// A database from before the audit (no `confirmed_by`) is upgraded: its confirmations were all the top k's.
    @Test func anOldDatabaseGetsTheAuditColumnAndItsConfirmationsAreTheTopKs() throws {
        var settings = IslandSettings(id: 1, seed: 3)
        (settings.childrenPerGeneration, settings.seedLosses, settings.confirmTopK, settings.promotionThreshold) = (
            4, ["dpo", "slic", "ipo"].compactMap(LossReference.init), 2, -10
        )
        let path = directory.appendingPathComponent("old.sqlite").path
        let engine = try IslandEngine(settings: settings, store: try IslandStore(path: path), evaluator: ConfirmationTests.suite.makeEvaluator())
        try engine.runGeneration()
        let confirmed = try engine.store.candidates(status: .evaluated).filter { $0.confirmedFitness != nil }.compactMap(\.id)
        #expect(!confirmed.isEmpty)
        // As the schema was before "v6-audit".
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP INDEX candidates_audited; ALTER TABLE candidates DROP COLUMN confirmed_by")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v6-audit'")
        }
        try queue.close()
        let upgraded = try IslandStore(path: path)
        let rows = try upgraded.candidates(status: .evaluated)
        #expect(rows.filter { $0.confirmedBy == .topK }.compactMap(\.id) == confirmed)
        #expect(rows.allSatisfy { ($0.confirmedBy == nil) == ($0.confirmedFitness == nil) })
        #expect(try upgraded.auditPairs().isEmpty)
    }
}

/// A status reply's result, decoded.
struct ControlReplyBox: Decodable {
    var result: IslandStatus
}
