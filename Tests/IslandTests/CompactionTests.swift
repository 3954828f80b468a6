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

    @Test func theMigrationLogKeepsTheLinesSinceTheHorizonAndTheHistoryItsNewestPoints() throws {
        let (engine, path) = try run(generations: 10)
        let db = try DatabaseQueue(path: path)
        let cutoff = 7
        let horizon = try #require(try db.read { try Double.fetchOne($0, sql: "SELECT MAX(at) FROM history WHERE generation <= ?", arguments: [cutoff]) })
        try db.write { db in
            for (sequence, at) in [horizon - 10, horizon - 1, horizon + 1, horizon + 10].enumerated() {
                try db.execute(
                    sql: "INSERT INTO migrations (direction, peer, sequence, fingerprint, candidate, outcome, at) VALUES ('sent', 2, ?, 'f', NULL, 'sent', ?)",
                    arguments: [sequence, at])
            }
            let newest = try Int.fetchOne(db, sql: "SELECT MAX(generation) FROM history") ?? 0
            for generation in (newest + 1)...(newest + IslandStore.historyLimit + 50) {
                try db.execute(
                    sql: "INSERT INTO history (generation, at, qd_score, coverage, filled, evaluations) VALUES (?, ?, 0, 0, 0, 0)",
                    arguments: [generation, horizon + 100])
            }
        }
        let removed = try engine.store.compact(before: cutoff, keepBest: 2, keepTopSearch: 3)
        #expect(removed.migrationLines == 2)
        #expect(try db.read { try Int.fetchAll($0, sql: "SELECT sequence FROM migrations ORDER BY sequence") } == [2, 3])
        #expect(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM history") } == IslandStore.historyLimit)
        #expect(removed.historyPoints > 50)
        // Without a horizon's history (nothing finished before it), no line goes for its age.
        #expect(try engine.store.compact(before: -1, keepBest: 2, keepTopSearch: 3).migrationLines == 0)
    }

    @Test func lineagesAreKeptBackToTheirFloorAndNoFurther() throws {
        let (engine, path) = try run(generations: 16)
        let whole = directory.appendingPathComponent("whole-\(UUID().uuidString).sqlite").path
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [whole]) }
        let before = try Self.rows(path)
        let (cutoff, floor) = (12, 8)
        let removed = try engine.store.compact(before: cutoff, keepBest: 2, keepTopSearch: 3, lineageFrom: floor)
        let after = try Self.rows(path)
        for row in after.values {
            for parent in row.parents where after[parent] == nil {
                #expect((before[parent]?.generation ?? .max) < floor, "candidate \(row.id)'s parent \(parent) went, from inside the lineage floor")
            }
        }
        // The same compaction with whole lineages keeps more: the floor is what bounds a long run.
        let wholeRemoved = try IslandStore(path: whole).compact(before: cutoff, keepBest: 2, keepTopSearch: 3)
        #expect(removed.candidates > wholeRemoved.candidates, "\(removed.candidates) removed with the floor, \(wholeRemoved.candidates) without")
        #expect(Set(engine.archive.elites.values.map(\.candidate)).isSubset(of: Set(after.keys)))
    }

    @Test func anIslandWithAHorizonCompactsEveryTenGenerations() throws {
        let (engine, path) = try run(generations: 20, keepGenerations: 5)
        #expect(try engine.store.counters()[.compacted] > 0)
        let kept = Set(try Self.rows(path).keys)
        #expect(Set(engine.archive.elites.values.map(\.candidate)).isSubset(of: kept))
        let unbounded = try run(generations: 20)
        #expect(kept.count < (try Self.rows(unbounded.path).count))
    }
}
