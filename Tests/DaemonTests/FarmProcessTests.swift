import Control
import ControlPlane
import Foundation
import GRDB
import Island
import TestSupport
import Testing

/// The evaluator farm with real broker, worker and island processes over real sockets.
@Suite(.serialized)
struct FarmProcessTests {
    /// A command task whose every evaluation takes `seconds` (standing in for GPU training).
    static func slowTask(seconds: Double) -> String {
        """
        type = "command"
        [command]
        argv = ["./slow.sh", "{file}", "{beta}", "{seed}", "{output}"]
        timeout_seconds = 60
        [stage1]
        betas = [0.1]
        seeds = [1]
        [stage2]
        betas = [0.1]
        seeds = [1]
        """
    }

    static func slowScript(seconds: Double) -> String {
        "#!/bin/sh\nsleep \(seconds)\nprintf '{\"fitness\": 0.25, \"metrics\": {}}' > \"$4\"\n"
    }

    func evaluatedOnce(_ harness: ClusterHarness, island: Int) throws {
        let (done, evaluated) = try harness.database(island: island).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'evaluations.done'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidates WHERE status = 'evaluated' AND proposer NOT LIKE 'migrant:%'") ?? 0
            )
        }
        #expect(done == evaluated, "each evaluated candidate is counted exactly once")
    }

    @Test func killingAWorkerMidEvaluationRequeuesItsWorkWhichFinishesOnce() throws {
        let harness = try ClusterHarness(
            islands: 1, cluster: #"evaluator = "farm""#, farm: "resend_interval_s = 60",
            task: Self.slowTask(seconds: 1.5), island: "evaluations_in_flight = 2\npromotion_threshold = 0.9")
        try harness.write(Self.slowScript(seconds: 1.5), to: "slow.sh", executable: true)
        try harness.startFarm()
        try harness.startWorker("worker-a", threads: 2)
        try harness.startIsland(1)
        try harness.waitUntil("a job in flight on worker-a") { (harness.farmStatus()?.inflight ?? 0) >= 1 }
        harness.kill9("worker-a")
        try harness.waitUntil("the broker to give up on worker-a") { (harness.farmStatus()?.requeued ?? 0) >= 1 }
        try harness.startWorker("worker-b", threads: 2)
        try harness.waitUntil("the seeds to finish") { harness.generation(island: 1) >= 1 }
        let farm = try #require(harness.farmStatus())
        harness.stopAll()
        #expect(farm.requeued >= 1)
        let rows = try harness.database(island: 1).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidates WHERE generation = 0 AND status = 'evaluated'") ?? 0 }
        #expect(rows == 4, "all four seeds evaluated")
        try evaluatedOnce(harness, island: 1)
    }

    @Test func stoppingAWorkerMidEvaluationKillsItsCommandAndRemovesItsFiles() throws {
        let task = Self.slowTask(seconds: 0).replacingOccurrences(of: "./slow.sh", with: "./train.sh")
        let harness = try ClusterHarness(
            islands: 1, cluster: #"evaluator = "farm""#, farm: "resend_interval_s = 60",
            task: task, island: "promotion_threshold = 0.9")
        // Stands in for GPU training: says where it runs, then trains "forever" in a child process.
        try harness.write(
            """
            #!/bin/sh
            echo "$(dirname "$1")" > running.partial && mv running.partial running.txt
            sleep 987652 &
            wait

            """, to: "train.sh", executable: true)
        try harness.startFarm()
        try harness.startWorker("worker", threads: 1)
        try harness.startIsland(1)
        let record = harness.directory.appendingPathComponent("running.txt").path
        try harness.waitUntil("the training command to start") { FileManager.default.fileExists(atPath: record) }
        let files = try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FileManager.default.fileExists(atPath: files + "/candidate.py"))
        #expect(try ProcessProbe.startsRunning("sleep 987652"))
        harness.terminate("worker")  // SIGTERM, and waits for the worker to exit
        #expect(try !ProcessProbe.running("sleep 987652"), "the training command outlived its worker")
        #expect(!FileManager.default.fileExists(atPath: files), "the worker left the command's files behind")
        #expect(harness.log("worker").contains("worker stopped"))
        harness.stopAll()
    }

    @Test func theIslandsPendingEvaluationsFinishAfterTheBrokerIsKilledAndRestarted() throws {
        let harness = try ClusterHarness(
            islands: 1, cluster: #"evaluator = "farm""#, farm: "resend_interval_s = 0.5",
            task: Self.slowTask(seconds: 0.5), island: "promotion_threshold = 0.9")
        try harness.write(Self.slowScript(seconds: 0.5), to: "slow.sh", executable: true)
        try harness.startFarm()
        try harness.startWorker("worker", threads: 2)
        try harness.startIsland(1)
        try harness.waitUntil("evaluations in flight") { (harness.farmStatus()?.inflight ?? 0) >= 1 }
        harness.kill9("farm")
        let generation = harness.generation(island: 1)
        Thread.sleep(forTimeInterval: 1)
        try harness.startFarm()
        try harness.waitUntil("two more generations after the restart") { harness.generation(island: 1) >= generation + 2 }
        harness.stopAll()
        try evaluatedOnce(harness, island: 1)
    }

    /// The mission's own example, `evod --island N` with the farm not started: the island says in
    /// its log and its status that no farm answers, instead of waiting in silence, and goes on once
    /// the farm starts.
    @Test func anIslandWhoseFarmIsNotRunningSaysSoAndGoesOnWhenItStarts() throws {
        let harness = try ClusterHarness(islands: 1, cluster: #"evaluator = "farm""#, farm: "resend_interval_s = 0.3")
        try harness.startIsland(1)
        func evaluator() -> EvaluatorStatus.Reachability? { harness.status(island: 1)?.evaluator.state }
        try harness.waitUntil("the island to find the farm unreachable", seconds: 30) { evaluator() == .unreachable }
        #expect(harness.log("island-1").contains("no farm answers"))
        #expect(harness.status(island: 1)?.state == .running)
        try harness.startFarm()
        try harness.startWorker("worker")
        try harness.waitUntil("the farm to answer and evaluations to be done") {
            evaluator() == .answering && (harness.status(island: 1)?.evaluations.done ?? 0) > 0
        }
        #expect(harness.log("island-1").contains("the farm answers again"))
        harness.stopAll()
    }

    @Test func theSameCandidateOnTwoIslandsIsTrainedOnce() throws {
        let harness = try ClusterHarness(islands: 2, cluster: #"evaluator = "farm""#, farm: "resend_interval_s = 120")
        try harness.startFarm()
        try harness.startWorker("worker", threads: 2)
        for id in 1...2 { try harness.startIsland(id) }
        try harness.waitUntil("two generations on both islands") { harness.generation(island: 1) >= 2 && harness.generation(island: 2) >= 2 }
        // Pause, let the farm drain, then count: every request is either trained or served from the cache.
        for id in 1...2 {
            let token = try String(contentsOf: harness.directory.appendingPathComponent("state/island-\(id)/token"), encoding: .utf8)
            _ = try ControlClient(endpoint: harness.controlEndpoint(island: id), peer: .island(id), security: harness.security).steer(.pause(token: token))
        }
        try harness.waitUntil("both islands paused and the farm idle") {
            (1...2).allSatisfy { harness.status(island: $0)?.state == .paused && harness.status(island: $0)?.evaluations.inflight == 0 }
                && harness.farmStatus()?.inflight == 0 && harness.farmStatus()?.queue == 0
        }
        let farm = try #require(harness.farmStatus())
        var requests = 0, cached = 0
        for id in 1...2 {
            requests += try harness.database(island: id).read { db in
                try Int.fetchOne(
                    db,
                    sql: "SELECT COALESCE(SUM(CASE WHEN stage = 2 THEN 2 ELSE 1 END), 0) FROM candidates WHERE status IN ('evaluated', 'failed') AND proposer NOT LIKE 'migrant:%'")
                    ?? 0
            }
            cached += try harness.counter("evaluations.cached", island: id)
            requests += 1  // the baseline's stage-1 run, which each island checks its promotion threshold against at start
        }
        harness.stopAll()
        let hits = farm.cacheHits
        #expect(hits >= 4, "both islands start from the same four seed losses: the second island's are served, not trained")
        #expect(cached >= 4)
        #expect(farm.done == requests - hits, "the farm trained each distinct request once")
    }

    /// Stage 3 through the farm: two evaluation threads that need the baseline at once (and DPO's
    /// own confirmation, which is the same request) share one request instead of one of them waiting
    /// forever for an answer that went to the other.
    @Test func confirmationsThroughTheFarmShareTheBaselinesRequestAndTheSearchGoesOn() throws {
        let harness = try ClusterHarness(
            islands: 1, cluster: #"evaluator = "farm""#, farm: "resend_interval_s = 60",
            island: "confirm_top_k = 3\nevaluations_in_flight = 4\nseed_losses = [\"dpo\", \"ipo\", \"cdpo\", \"robust\"]")
        try harness.startFarm()
        try harness.startWorker("worker", threads: 2)
        try harness.startIsland(1)
        try harness.waitUntil("three generations with confirmations", seconds: 60) { harness.generation(island: 1) >= 3 }
        #expect(try harness.counter("evaluations.stage3", island: 1) >= 3)
        let baseline = try harness.database(island: 1).read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'baseline.stage3 dpo'")
        }
        #expect(baseline?.contains("\"stage\":3") == true)
        let best = try #require(harness.status(island: 1)?.best)
        #expect(best.confirmed)
        harness.stopAll()
    }
}
