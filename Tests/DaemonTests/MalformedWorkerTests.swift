import Evaluation
import Farm
import Foundation
import GRDB
import Synchronization
import Testing

@testable import Wire

/// A worker that holds the cluster key and answers every job with something that is not an
/// evaluation result costs no candidate: the broker neither caches nor passes on what it sends, and
/// the job goes to an honest worker (issue 38's first target; before, each such answer failed the
/// candidate on every island, and a failed loss is never trained again).
@Suite(.serialized)
struct MalformedWorkerTests {
    @Test func aKeyedWorkerThatAnswersNonsenseCostsNoCandidate() throws {
        let harness = try ClusterHarness(islands: 1, cluster: #"evaluator = "farm""#)
        let taskHash = try TaskConfig.load(path: harness.directory.appendingPathComponent("task.toml").path).hash
        try harness.startFarm()
        // The liar joins first, alone, so that the first job is its; its nonsense answer puts it in
        // quarantine, and it gets no more.
        let answered = Mutex(0)
        let stop = Mutex(false)
        let (endpoint, security) = (harness.farmWorkers, harness.security)
        let liar = Thread {
            do {
                let context = ZMQContext()
                let socket = try ZMQSocket(context, type: ZMQSocket.dealer)
                try socket.setReceiveTimeout(milliseconds: 200)
                try socket.connect(endpoint, security: security)
                try socket.send(Envelope.encode(WorkerMessage.ready(taskHash: taskHash, capacity: 4)))
                while !stop.withLock({ $0 }) {
                    try socket.send(Envelope.encode(WorkerMessage.heartbeat(taskHash: taskHash, capacity: 4)))
                    guard let frames = try socket.receive(), let frame = frames.last,
                        let job = try? Envelope.decode(JobMessage.self, from: frame)
                    else { continue }
                    let header = Data(#"{"v": 1, "type": "result", "job": \#(job.job)}"#.utf8)
                    _ = try socket.send([header, Data(#"{"fitness": "not a number"}"#.utf8)])
                    answered.withLock { $0 += 1 }
                }
            } catch {
                Issue.record("the lying worker failed: \(error)")
            }
        }
        liar.start()
        defer { stop.withLock { $0 = true } }
        try harness.startIsland(1)
        try harness.waitUntil("the liar's first answer") { answered.withLock { $0 } >= 1 }
        try harness.startWorker("honest", threads: 2)
        try harness.waitUntil("three generations with the honest worker beside the liar") { harness.generation(island: 1) >= 3 }
        stop.withLock { $0 = true }
        while liar.isExecuting { Thread.sleep(forTimeInterval: 0.05) }
        // Every nonsense answer the liar sent is counted (the last ones may still be on their way).
        try harness.waitUntil("the farm to refuse every nonsense answer", seconds: 10) {
            harness.farmStatus()?.malformedResults == answered.withLock { $0 }
        }
        let quarantined = harness.farmStatus()?.audit?.quarantined ?? []
        #expect(quarantined.count == 1 && quarantined.first?.reason.contains("not an evaluation result") == true, "\(quarantined)")
        harness.stopAll()
        let spoiled = try harness.database(island: 1).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidates WHERE error LIKE '%not an evaluation result%'") ?? -1
        }
        let evaluated = try harness.database(island: 1).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidates WHERE status = 'evaluated'") ?? 0 }
        #expect(spoiled == 0, "candidates failed by the liar's answers")
        #expect(evaluated >= 4, "the seeds the liar answered first were evaluated by the honest worker")
        #expect(harness.log("farm").contains("a worker's result is not an evaluation result of its job"))
    }
}
