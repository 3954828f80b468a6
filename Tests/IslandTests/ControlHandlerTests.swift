import Cluster
import Control
import Foundation
import Island
import LossDescriptors
import LossLanguage
import Model
import Testing

/// The island's side of the control protocol, in process: typed replies, the token, malformed
/// requests counted; and the store's migration and reset transactions.
final class ControlHandlerTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-control-tests-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func engine() throws -> IslandEngine {
        let store = try IslandStore(path: directory.appendingPathComponent("island-\(UUID().uuidString).sqlite").path)
        return try IslandEngine(settings: IslandEngineTests.settings(), store: store, evaluator: IslandEngineTests.task.makeEvaluator())
    }

    func reply<Result: Codable & Sendable>(_ handler: ControlHandler, _ text: String, as: Result.Type) throws -> ControlReply<Result> {
        try ControlCoding.decoder.decode(ControlReply<Result>.self, from: handler.handle(Data(text.utf8)))
    }

    @Test func statusBestShowAndArchiveAnswerWithTheirTypes() throws {
        let engine = try engine()
        try engine.runGeneration()
        let handler = ControlHandler(engine: engine, controls: IslandControls(), token: "secret")
        guard case let .success(status) = try reply(handler, #"{"command": "status"}"#, as: IslandStatus.self) else {
            Issue.record("status failed")
            return
        }
        #expect(status.id == 1 && status.state == .running && status.generation == 1 && status.evaluations.done == 4)
        #expect(status.evaluator == .local && status.fault == nil)
        // The default scheduler's emitters, over the wire with their tallies (nothing proposed yet).
        guard case let .scheduler(emitters) = status.proposer else { Issue.record("\(status.proposer)"); return }
        #expect(emitters.map(\.name) == ["tweak", "shape", "recombine"] && emitters.allSatisfy { $0.tally == EmitterTally() && abs($0.weight - 1.0 / 3) < 1e-12 })
        #expect(status.warnings == nil)
        guard case let .success(best) = try reply(handler, #"{"command": "best", "top": 2}"#, as: [CandidateSummary].self) else {
            Issue.record("best failed")
            return
        }
        #expect(best.count == 2 && best[0].rankingKey >= best[1].rankingKey)
        #expect(status.best?.id == best[0].id && status.best?.confirmed == false)
        let first = try #require(best.first)
        #expect(first.descriptors != nil && first.outcome?.isAdded == true && first.metrics?.isEmpty == false)
        guard case let .success(shown) = try reply(handler, #"{"command": "show", "id": \#(first.id)}"#, as: CandidateSummary.self) else {
            Issue.record("show failed")
            return
        }
        #expect(shown == first)
        guard case let .success(archive) = try reply(handler, #"{"command": "archive"}"#, as: ArchiveSnapshot.self) else {
            Issue.record("archive failed")
            return
        }
        #expect(archive.cells.count == engine.archive.filled && archive.cells.contains { $0.candidate == first.id })
        guard case let .failure(missing) = try reply(handler, #"{"command": "show", "id": 999}"#, as: CandidateSummary.self) else {
            Issue.record("show of a missing candidate succeeded")
            return
        }
        #expect(missing == "no candidate 999 on island 1")
    }

    @Test func historyKeepsOnePointPerFinishedGeneration() throws {
        let engine = try engine()
        for _ in 0..<3 { try engine.runGeneration() }
        let handler = ControlHandler(engine: engine, controls: IslandControls(), token: "secret")
        guard case let .success(points) = try reply(handler, #"{"command": "history"}"#, as: [HistoryPoint].self) else {
            Issue.record("history failed")
            return
        }
        #expect(points.map(\.generation) == [0, 1, 2])
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.evaluations <= $1.evaluations && $0.at <= $1.at })
        let last = try #require(points.last)
        #expect(last.filled == engine.archive.filled && last.bestSearch == engine.archive.elites.values.map(\.fitness).max())
        #expect(abs(last.qdScore - engine.archive.qdScore(floor: engine.settings.qdFloor)) < 1e-12 && last.bestConfirmed == nil)
        guard case let .success(tail) = try reply(handler, #"{"command": "history", "limit": 1}"#, as: [HistoryPoint].self) else {
            Issue.record("history with a limit failed")
            return
        }
        #expect(tail == [last])
    }

    @Test func aStalledSearchIsAWarningInStatusWhileItLasts() throws {
        let engine = try engine()
        let controls = IslandControls()
        let handler = ControlHandler(engine: engine, controls: controls, token: "secret")
        func warnings() throws -> [String]? {
            guard case let .success(status) = try reply(handler, #"{"command": "status"}"#, as: IslandStatus.self) else { return ["status failed"] }
            return status.warnings
        }
        controls.warn("a configuration warning")
        controls.setStall(StallWatch().message)
        #expect(try warnings() == ["a configuration warning", StallWatch().message])
        controls.setStall(nil)
        #expect(try warnings() == ["a configuration warning"])
    }

    @Test func stateChangesNeedTheTokenAndMalformedRequestsAreCounted() throws {
        let engine = try engine()
        let controls = IslandControls()
        let handler = ControlHandler(engine: engine, controls: controls, token: "secret")
        for text in [#"{"command": "pause"}"#, #"{"command": "pause", "token": "guess"}"#, #"{"command": "stop", "token": 7}"#] {
            guard case .failure = try reply(handler, text, as: StateReply.self) else {
                Issue.record("\(text) was obeyed")
                continue
            }
        }
        #expect(controls.current == .running)
        guard case .success(StateReply(state: .paused)) = try reply(handler, #"{"command": "pause", "token": "secret"}"#, as: StateReply.self) else {
            Issue.record("pause with the token failed")
            return
        }
        #expect(controls.current == .paused)
        // The token with the wrong type, an unknown command, garbage: three malformed requests.
        #expect(controls.droppedMessages == 1)
        for text in [#"{"command": "reboot"}"#, "garbage"] { _ = handler.handle(Data(text.utf8)) }
        #expect(controls.droppedMessages == 3)
    }

    @Test func anImmigrantAlreadyHereIsRejectedWithoutRollingBackTheOthers() throws {
        let engine = try engine()
        try engine.runGeneration()
        let store = engine.store
        let resident = try #require(try store.candidates(status: .evaluated).first)
        func immigrant(_ source: String) throws -> CandidateRecord {
            let graph = try LossParser.parse(source).graph
            var record = CandidateRecord(generation: 1, name: "m", source: source, parents: [], proposer: .migrant(island: 2), status: .evaluated)
            (record.canonical, record.fingerprint, record.fitness, record.outcome) = (graph.canonicalForm, graph.fingerprint.hex, 0.5, .new)
            return record
        }
        var twin = try immigrant("0.5 * rho * rho - rho")
        twin.fingerprint = resident.fingerprint  // a live candidate with this loss appeared after the check
        let fresh = try immigrant("0.25 * rho * rho - rho")
        let ids = try store.recordImmigration([.accepted(twin, cell: 1), .accepted(fresh, cell: 2)], peer: 2, sequence: 9)
        #expect(ids.count == 2 && ids[0] == nil && ids[1] != nil)
        let counters = try store.counters()
        #expect(counters[.migrantsAccepted] == 1 && counters[.migrantsRejected] == 1 && counters[.messagesReceived] == 2)
        #expect(try store.migrationLog().map(\.outcome) == ["rejected: already on this island", "new"])
    }

    /// A peer whose migrants are all rejected, message after message, leaves only the newest
    /// rejection lines (the limit) in the log; the counters keep every one.
    @Test func rejectedMigrantsDoNotGrowTheLogWithoutLimit() throws {
        let store = try engine().store
        for sequence in 1...5 {
            let rejections = (0..<3).map { IslandStore.ImmigrationEntry.rejected(fingerprint: "f\(sequence)-\($0)", reason: "its cell holds a fitter elite") }
            _ = try store.recordImmigration(rejections, peer: 2, sequence: sequence, rejectionLimit: 4)
        }
        let log = try store.migrationLog()
        #expect(log.map(\.fingerprint) == ["f4-1", "f4-2", "f5-0", "f5-1", "f5-2"].suffix(4))
        #expect(try store.counters().byName["migration.rejected"] == 15)
    }

    /// Island 2's best, an IPO-like loss, as `best` returns it over the control plane.
    func ipoLikeMigrant() throws -> Migrant {
        let graph = try LossParser.parse("0.5 * (beta * rho - 1) ** 2").graph
        let descriptors = try Descriptors(of: graph)
        var summary = CandidateSummary(id: 5, name: "ipo_like", generation: 1, source: "ipo", parents: [], proposer: .seed, status: .evaluated)
        (summary.canonical, summary.fingerprint, summary.fitness, summary.stage) = (graph.canonicalForm, graph.fingerprint.hex, 0.9, .two)
        summary.descriptors = descriptors
        return try #require(Migrant(summary, island: 2))
    }

    @Test func aResetIsOneTransactionAndASurvivorThatFailsVerificationChangesNothing() throws {
        let engine = try engine()
        try engine.runGeneration()
        let filled = engine.archive.filled
        let good = try ipoLikeMigrant()
        #expect(Migrant(CandidateSummary(id: 6, name: "x", generation: 1, source: "rho", parents: [], proposer: .seed, status: .pending), island: 2) == nil)
        var forged = good
        forged.fingerprint = String(repeating: "0", count: 64)
        func message(_ migrant: Migrant) -> MigrantMessage {
            MigrantMessage(source: 2, sequence: 0, taskHash: engine.evaluatorTaskHash, sentAt: 0, candidates: [migrant])
        }
        #expect(try engine.reset(with: message(forged)) == false)
        #expect(try engine.archive.filled == filled && (engine.store.counters().byName["migration.resets"] ?? 0) == 0)
        #expect(try engine.reset(with: message(good)))
        #expect(engine.archive.filled == 1 && engine.archive.elites.values.first?.fitness == 0.9)
        #expect(try engine.store.counters().byName["migration.resets"] == 1)
        // What the database holds is what memory holds: a restart finds the same archive.
        let reopened = try IslandEngine(settings: IslandEngineTests.settings(), store: engine.store, evaluator: IslandEngineTests.task.makeEvaluator())
        #expect(reopened.archive.elites == engine.archive.elites)
    }

    /// An immigrant placed in the archive is the elite a restart loads: fitness, descriptors and size.
    @Test func anImmigrantsPlaceIsWhatARestartLoads() throws {
        let engine = try engine()
        try engine.runGeneration()
        let migrant = try ipoLikeMigrant()
        let message = MigrantMessage(source: 2, sequence: 0, taskHash: engine.evaluatorTaskHash, sentAt: 0, candidates: [migrant])
        #expect(try engine.receive(message, policy: MigrationPolicy()).accepted == 1)
        let placed = try #require(engine.archive.elites.values.first { $0.fitness == 0.9 })
        #expect(placed.size == (try LossParser.parse(migrant.source).graph.size))
        let reopened = try IslandEngine(settings: IslandEngineTests.settings(), store: engine.store, evaluator: IslandEngineTests.task.makeEvaluator())
        #expect(reopened.archive.elites == engine.archive.elites)
    }
}
