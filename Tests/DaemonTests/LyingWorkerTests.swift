import Evaluation
import Farm
import Foundation
import GRDB
import Island
import LossLanguage
import Model
import Testing

/// Issue 38: a worker that holds the cluster key and lies, as a real process (`evod-liar`, evod's
/// own worker with an evaluator that raises every true result), beside honest workers.
@Suite(.serialized)
struct LyingWorkerTests {
    /// Every evaluated candidate's stored fitness against a local evaluation of its loss at its
    /// stage: the candidates whose numbers a local re-evaluation contradicts.
    static func contradicted(_ harness: ClusterHarness, island: Int) throws -> [String] {
        let evaluator = try TaskConfig.load(path: harness.directory.appendingPathComponent("task.toml").path).makeEvaluator()
        let rows = try harness.database(island: island).read { db in
            try Row.fetchAll(db, sql: "SELECT name, canonical, fitness, stage FROM candidates WHERE status = 'evaluated'")
        }
        return try rows.compactMap { row -> String? in
            let graph = try LossParser.parse(row["canonical"] as String).graph
            guard let stage = Stage(rawValue: row["stage"]) else { return "\(row["name"] as String): no stage" }
            let local = evaluator.evaluate(graph, name: row["name"], stage: stage).fitness
            let stored: Double = row["fitness"]
            return local?.bitPattern == stored.bitPattern ? nil : "\(row["name"] as String): stored \(stored), local \(local.map { "\($0)" } ?? "failed")"
        }
    }

    @Test func aLyingWorkerIsQuarantinedItsResultsPurgedAndTheIslandsCorrected() throws {
        let harness = try ClusterHarness(islands: 1, cluster: #"evaluator = "farm""#, farm: "audit_share = 0.25")
        try harness.startFarm()
        // The liar alone first: with no other worker its answers are believed (an audit needs two).
        try harness.startLiar("liar", ["--raise", "0.05"], threads: 2)
        try harness.startIsland(1)
        try harness.waitUntil("the liar's answers to reach the island") { try harness.counter("evaluations.done", island: 1) >= 4 }
        try harness.startWorker("honest-1")
        try harness.startWorker("honest-2")
        try harness.waitUntil("the farm to quarantine the liar", seconds: 120) { harness.farmStatus()?.audit?.quarantined.count == 1 }
        let status = try #require(harness.farmStatus()?.audit)
        #expect(status.quarantined[0].name.hasPrefix("worker-"), "named by its routing id as text, not raw bytes")
        #expect(status.quarantined[0].reason.contains("other workers agreed on"))
        #expect(status.purged >= 4, "the results it gave alone were purged")
        try harness.waitUntil("every purged result trained again and sent", seconds: 120) {
            guard let audit = harness.farmStatus()?.audit else { return false }
            return audit.corrections == audit.purged
        }
        #expect(try harness.counter("evaluations.corrected", island: 1) >= 1, "the island re-opened candidates")
        let generation = harness.generation(island: 1)
        try harness.waitUntil("two more generations") { harness.generation(island: 1) >= generation + 2 }
        // The operator sees it in status, mends the worker (here: stops it, so that nothing it
        // answers after its release is stored), and takes it back.
        let evoctl = DaemonHarness.root.appendingPathComponent(".build/debug/evoctl").path
        let shown = try LocalSlurm.run([evoctl, "status", "--config", "cluster.toml"], in: harness.directory, environment: [:]).output
        #expect(shown.contains("quarantined  \(status.quarantined[0].name)") && shown.contains("evoctl farm release"), "\(shown)")
        harness.terminate("liar")
        let released = try LocalSlurm.run(
            [evoctl, "farm", "release", status.quarantined[0].name, "--config", "cluster.toml"], in: harness.directory, environment: [:])
        #expect(released.status == 0 && released.output.contains("released"), "\(released.output)")
        #expect(harness.farmStatus()?.audit?.quarantined.isEmpty == true)
        harness.stopAll()
        let lies = try Self.contradicted(harness, island: 1)
        #expect(lies.isEmpty, "stored results a local evaluation contradicts: \(lies.prefix(5))")
        #expect(harness.log("farm").contains("quarantined"))
        #expect(harness.log("island-1").contains("the farm corrected a result from a quarantined worker"))
    }

    @Test func honestWorkersAreNeverQuarantinedWhenEveryJobIsAudited() throws {
        let harness = try ClusterHarness(islands: 1, cluster: #"evaluator = "farm""#, farm: "audit_share = 1.0")
        try harness.startFarm()
        try harness.startWorker("honest-1", threads: 2)
        try harness.startWorker("honest-2", threads: 2)
        try harness.startIsland(1)
        try harness.waitUntil("60 audited jobs", seconds: 180) { (harness.farmStatus()?.audit?.audited ?? 0) >= 60 }
        let audit = try #require(harness.farmStatus()?.audit)
        harness.stopAll()
        #expect(audit.quarantined.isEmpty && audit.disagreements == 0 && audit.unresolved == 0, "\(audit)")
        #expect(try Self.contradicted(harness, island: 1).isEmpty)
    }
}
