import Cluster
import Foundation
import GRDB
import Island
import Model
import Testing

/// Bounded state (issue 38): compaction deletes old candidates that nothing refers to and keeps
/// every candidate the archive, a best, a duplicate or a lineage refers to.
final class CompactionTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-compaction-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    /// An island run `generations` generations on the small task, with `keepGenerations` as given.
    func run(generations: Int, keepGenerations: Int = 0) throws -> (IslandEngine, path: String) {
        let path = directory.appendingPathComponent("island-\(UUID().uuidString).sqlite").path
        var settings = IslandEngineTests.settings()
        settings.keepGenerations = keepGenerations
        settings.confirmTopK = 2
        let engine = try IslandEngine(settings: settings, store: try IslandStore(path: path), evaluator: IslandEngineTests.task.makeEvaluator())
        for _ in 0..<generations { try engine.runGeneration() }
        return (engine, path)
    }

    struct Row: Hashable { var id: Int64, generation: Int, parents: [Int64], status: String }

    static func rows(_ path: String) throws -> [Int64: Row] {
        let db = try DatabaseQueue(path: path)
        return try db.read { db in
            Dictionary(
                uniqueKeysWithValues: try GRDB.Row.fetchAll(db, sql: "SELECT id, generation, parents, status FROM candidates").map { row in
                    let parents = (try? JSONDecoder().decode([Int64].self, from: Data((row["parents"] as String).utf8))) ?? []
                    let id: Int64 = row["id"]
                    return (id, Row(id: id, generation: row["generation"], parents: parents, status: row["status"]))
                })
        }
    }

    @Test func compactionKeepsWhatTheArchiveTheBestsAndEveryLineageReferToAndDeletesTheRest() throws {
        let (engine, path) = try run(generations: 10)
        #expect(try engine.store.counters()[.compacted] == 0, "keep_generations = 0 (the default) keeps everything")
        let before = try Self.rows(path)
        let archive = Set(engine.archive.elites.values.map(\.candidate))
        let best = try engine.store.bestConfirmed(limit: 2).compactMap(\.id)
        let cutoff = 7
        let removed = try engine.store.compact(before: cutoff, keepBest: 2, keepTopSearch: 3)
        let after = try Self.rows(path)
        #expect(removed.candidates > 0 && removed.candidates == before.count - after.count, "\(removed), \(before.count) -> \(after.count)")
        #expect(archive.isSubset(of: Set(after.keys)), "every archive elite is kept")
        #expect(Set(best).isSubset(of: Set(after.keys)), "the best confirmed are kept")
        for row in after.values {
            #expect(Set(row.parents).isSubset(of: Set(after.keys)), "candidate \(row.id)'s lineage is whole")
        }
        #expect(before.values.filter { $0.generation >= cutoff }.allSatisfy { after[$0.id] == $0 }, "nothing inside the horizon is touched")
        let db = try DatabaseQueue(path: path)
        #expect(try db.read { try GRDB.Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }.isEmpty)
        #expect(try engine.store.counters()[.compacted] == removed.candidates)
        // What is kept before the horizon is what something refers to; compacting again deletes nothing.
        #expect(try engine.store.compact(before: cutoff, keepBest: 2, keepTopSearch: 3).candidates == 0)
        // The island goes on over a compacted database, and so does a restart.
        try engine.runGeneration()
        let restarted = try IslandEngine(
            settings: engine.settings, store: try IslandStore(path: path), evaluator: IslandEngineTests.task.makeEvaluator())
        #expect(restarted.archive.elites.count == engine.archive.elites.count)
    }

    @Test func anIslandWithAHorizonCompactsEveryTenGenerations() throws {
        let (engine, path) = try run(generations: 20, keepGenerations: 5)
        #expect(try engine.store.counters()[.compacted] > 0)
        let rows = try Self.rows(path)
        let kept = Set(rows.keys)
        #expect(rows.values.allSatisfy { Set($0.parents).isSubset(of: kept) })
    }
}
