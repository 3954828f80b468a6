import Farm
import Foundation
import Model
import Testing

/// The broker's bookkeeping alone, without sockets: what each message makes it send.
final class BrokerStateTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-broker-state-\(UUID().uuidString)")
    let state: BrokerState
    let island = Data("island-1".utf8), otherIsland = Data("island-2".utf8)
    let worker = Data("worker-a".utf8), otherWorker = Data("worker-b".utf8)

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        state = try BrokerState(cache: try ResultCache(path: directory.appendingPathComponent("cache.sqlite").path), heartbeatTimeout: 2)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static func request(_ id: String, fingerprint: String = "f1", task: String = "t1", stage: Stage = .one) -> EvaluationRequest {
        EvaluationRequest(requestID: id, taskHash: task, fingerprint: fingerprint, stage: stage, name: "loss", source: "-logsigmoid(beta * rho)")
    }

    /// The jobs among what the broker sends: (worker, job number).
    static func jobs(_ out: [BrokerState.Outgoing]) -> [(worker: Data, job: Int64)] {
        out.compactMap { if case let .job(worker, message) = $0 { (worker, message.job) } else { nil } }
    }

    /// The replies among what the broker sends: (island, request id, cached).
    static func replies(_ out: [BrokerState.Outgoing]) -> [(island: Data, request: String, cached: Bool)] {
        out.compactMap { if case let .reply(island, reply, _) = $0 { (island, reply.requestID, reply.cached == true) } else { nil } }
    }

    @Test func aRequestWaitsForAWorkerOfItsTaskThenItsResultGoesBackAndIsCached() {
        #expect(Self.jobs(state.submit(Self.request("r1"), from: island)).isEmpty, "no worker yet")
        #expect(state.queueLength == 1)
        #expect(Self.jobs(state.workerReady(otherWorker, taskHash: "another task", capacity: 4, now: 0)).isEmpty, "a worker of another task gets nothing")
        let handed = Self.jobs(state.workerReady(worker, taskHash: "t1", capacity: 1, now: 0))
        #expect(handed.count == 1 && handed.first?.worker == worker)
        let job = handed[0].job
        let replies = Self.replies(state.result(Data(Self.result(fitness: "0.5", stage: 1).utf8), job: job, from: worker, now: 1))
        #expect(replies.count == 1 && replies.first?.island == island && replies.first?.request == "r1" && replies.first?.cached == false)
        #expect(state.counters.done == 1 && state.inflight == 0)
        // Asked again (a restarted island), it is answered from the cache at once.
        let again = Self.replies(state.submit(Self.request("r2"), from: otherIsland))
        #expect(again.count == 1 && again.first?.cached == true && state.counters.cacheHits == 1)
    }

    @Test func theSameLossFromTwoIslandsIsTrainedOnceAndServedToBoth() {
        _ = state.workerReady(worker, taskHash: "t1", capacity: 4, now: 0)
        let first = Self.jobs(state.submit(Self.request("island-1:f1:1"), from: island))
        let second = Self.jobs(state.submit(Self.request("island-2:f1:1"), from: otherIsland))
        #expect(first.count == 1 && second.isEmpty, "the second request joins the first job")
        let replies = Self.replies(state.result(Data(Self.result(fitness: "0.5", stage: 1).utf8), job: first[0].job, from: worker, now: 1))
        #expect(Set(replies.map(\.island)) == [island, otherIsland])
        #expect(replies.filter(\.cached).count == 1 && state.counters.done == 1 && state.counters.cacheHits == 1)
    }

    @Test func aSilentWorkersJobsGoBackToTheFrontOfTheQueueAndItsLateResultIsIgnored() {
        _ = state.workerReady(worker, taskHash: "t1", capacity: 1, now: 0)
        let job = Self.jobs(state.submit(Self.request("r1"), from: island))[0].job
        _ = state.submit(Self.request("r2", fingerprint: "f2"), from: island)
        #expect(state.queueLength == 1)
        #expect(state.heartbeat(worker, now: 1.5) && !state.heartbeat(otherWorker, now: 1.5), "an unknown worker's beat is not enough")
        #expect(Self.jobs(state.expireWorkers(now: 3)).isEmpty, "beat at 1.5, timeout 2: alive at 3")
        _ = state.expireWorkers(now: 4)
        #expect(state.workerCount == 0 && state.counters.requeued == 1 && state.queueLength == 2)
        // A fresh worker gets the re-queued job first.
        let handed = Self.jobs(state.workerReady(otherWorker, taskHash: "t1", capacity: 1, now: 4))
        #expect(handed.map(\.job) == [job])
        // The silent worker's result, arriving late, is counted and not passed on.
        #expect(Self.replies(state.result(Data(Self.result(fitness: "0.5", stage: 1).utf8), job: job, from: worker, now: 5)).isEmpty)
        #expect(state.counters.lateResults == 1 && state.counters.done == 0)
    }

    @Test func workLeavesForTheLeastLoadedWorkerWithinItsCapacity() {
        _ = state.workerReady(worker, taskHash: "t1", capacity: 2, now: 0)
        _ = state.workerReady(otherWorker, taskHash: "t1", capacity: 1, now: 0)
        let handed = (1...4).flatMap { Self.jobs(state.submit(Self.request("r\($0)", fingerprint: "f\($0)"), from: island)) }
        #expect(handed.count == 3 && state.queueLength == 1, "capacity 2 + 1")
        #expect(handed.filter { $0.worker == worker }.count == 2 && handed.filter { $0.worker == otherWorker }.count == 1)
    }
}

extension BrokerStateTests {
    @Test func aResultThatIsNotAnEvaluationResultIsNeitherCachedNorPassedOnAndGoesToAnotherWorker() {
        _ = state.workerReady(worker, taskHash: "t1", capacity: 1, now: 0)
        let job = Self.jobs(state.submit(Self.request("r1"), from: island))[0].job
        // Not JSON of a result, a result of another stage, a fitness that is not finite, neither fitness nor reason.
        for bad in [#"{"nonsense": true}"#, Self.result(fitness: "0.5", stage: 2), Self.result(fitness: "\"nan\"", stage: 1), Self.result(fitness: "null", stage: 1)] {
            #expect(Self.replies(state.result(Data(bad.utf8), job: job, from: worker, now: 1)).isEmpty, "\(bad)")
            // The worker that answered so does not get the job back; it waits at the front of the queue.
            _ = state.heartbeat(worker, now: 1)
            #expect(state.queueLength == 1 && state.inflight == 0)
        }
        #expect(state.counters.malformedResults == 1, "the job left the lying worker after its first bad answer")
        #expect(state.quarantine["worker-a"] != nil, "and the worker is quarantined")
        let handed = Self.jobs(state.workerReady(otherWorker, taskHash: "t1", capacity: 1, now: 2))
        #expect(handed.map(\.job) == [job] && handed.first?.worker == otherWorker)
        let replies = Self.replies(state.result(Data(Self.result(fitness: "0.5", stage: 1).utf8), job: job, from: otherWorker, now: 3))
        #expect(replies.count == 1 && state.counters.done == 1 && state.counters.malformedResults == 1)
        // A failed evaluation is an evaluation result too: passed on.
        let failing = Self.jobs(state.submit(Self.request("r2", fingerprint: "f2"), from: island))
        let failed = Self.result(fitness: "null", stage: 1, failed: "not finite at step 3")
        #expect(Self.replies(state.result(Data(failed.utf8), job: failing[0].job, from: failing[0].worker, now: 4)).count == 1)
    }

    /// An evaluation result's JSON as a worker writes it.
    static func result(fitness: String, stage: Int, failed: String? = nil) -> String {
        let reason = failed.map { #", "failed": "\#($0)""# } ?? ""
        return #"{"fitness": \#(fitness), "stage": \#(stage), "metrics": {}, "runs": [], "seconds": 0.1\#(reason)}"#
    }
}
