import Cluster
import Control
import Evaluation
import Foundation
import GRDB
import Island
import LossLanguage
import Model
import Testing

/// A state directory made by the landed main (schema v6-audit, with the JSON columns it wrote by
/// hand) reads and resumes under the current records: nothing lost, every typed column equal to
/// what the old text said.
final class LandedMainStateTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-landed-main-\(UUID().uuidString)")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.fixtures.appendingPathComponent("landed-main-island.sqlite"), to: directory.appendingPathComponent("island.sqlite"))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var path: String { directory.appendingPathComponent("island.sqlite").path }

    /// The rows as the old code stored them, read as plain text before the current code opens the file.
    func rawRows() throws -> [Row] {
        try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, proposer, parents, metrics, members, confirmed_members, stage, status FROM candidates ORDER BY id")
        }
    }

    @Test func everyRowReadsAsTypedColumnsWithNothingLost() throws {
        let raw = try rawRows()
        #expect(raw.count == 197, "the fixture changed")
        let store = try IslandStore(path: path)
        let typed = try CandidateStatus.allCases.flatMap { try store.candidates(status: $0) }.sorted { $0.id! < $1.id! }
        #expect(typed.count == raw.count)
        let decoder = JSONDecoder()
        var checked = (metrics: 0, members: 0, confirmed: 0, parents: 0)
        for (row, record) in zip(raw, typed) {
            #expect(record.id == row["id"])
            #expect(record.proposer.rawValue == row["proposer"] as String)
            #expect(record.status.rawValue == row["status"] as String)
            #expect(record.stage?.rawValue == row["stage"] as Int?)
            let parents = try decoder.decode([Int64].self, from: Data((row["parents"] as String).utf8))
            #expect(record.parents == parents)
            if !parents.isEmpty { checked.parents += 1 }
            if let text = row["metrics"] as String? {
                #expect(record.metrics == (try decoder.decode([String: Double].self, from: Data(text.utf8))))
                checked.metrics += 1
            }
            if let text = row["members"] as String? {
                #expect(record.members == (try decoder.decode([MemberResult].self, from: Data(text.utf8))))
                checked.members += 1
            }
            if let text = row["confirmed_members"] as String? {
                #expect(record.confirmedMembers == (try decoder.decode([MemberResult].self, from: Data(text.utf8))))
                checked.confirmed += 1
            }
        }
        // The fixture has each kind of row: seeds, mutations with two parents, a migrant, confirmations.
        #expect(checked.metrics >= 150 && checked.members >= 150 && checked.confirmed == 10 && checked.parents >= 150, "\(checked)")
        #expect(typed.contains { $0.proposer == .seed } && typed.contains(where: \.proposer.isMutation) && typed.contains { $0.proposer == .migrant(island: 2) })
        #expect(typed.allSatisfy { $0.proposer == .seed || $0.proposer.isMutation || $0.proposer == .migrant(island: 2) })
        let counters = try store.counters()
        #expect(counters[.evaluationsDone] == 175 && counters[.confirmations] == 10 && counters[.migrantsAccepted] == 1)
        #expect(counters[.proposals(.pending)] == 177 && counters[.archive(.notAdded)] == 84)
    }

    @Test func theIslandResumesWhereItStopped() throws {
        let task = try TaskConfig.load(path: Self.fixtures.appendingPathComponent("landed-main-task.toml").path)
        var settings = IslandSettings(id: 1, seed: 0)
        (settings.childrenPerGeneration, settings.promotionThreshold, settings.confirmTopK) = (6, -10, 3)
        settings.seedLosses = ["dpo", "ipo", "slic", "robust"].compactMap(LossReference.init)
        let store = try IslandStore(path: path)
        let before = try store.storedStatus()
        #expect(before.generation == 32 && before.pending == 2 && before.population == 197)
        // The same task hash, so the island takes the state as its own, and its archive as stored.
        let engine = try IslandEngine(settings: settings, store: store, evaluator: task.makeEvaluator())
        #expect(engine.archive.filled == 46 + 1, "the 46 cells its candidates opened and the migrant's")
        let report = try engine.runGeneration()
        let after = try store.storedStatus()
        #expect(after.generation == 33 && after.pending == 0, "the two pending candidates were evaluated after the restart")
        #expect(after.population == 197 + report.proposed - report.duplicates, "repeats and near-repeats are counted, not stored")
        #expect(after.counters[.evaluationsDone] >= 175 + 2)
        let handler = ControlHandler(engine: engine, controls: IslandControls(), token: "t")
        let status = try JSONDecoder().decode(ControlReplyBox.self, from: handler.handle(Data(#"{"command": "status"}"#.utf8))).result
        #expect(status.population == after.population && status.evaluations.confirmed >= 10)
    }
}
