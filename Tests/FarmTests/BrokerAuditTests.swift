import Farm
import Foundation
import Model
import Testing

/// Audits and quarantine in the broker's bookkeeping (issue 38): two workers must agree on an
/// audited job; one that disagrees with two others is quarantined, its unconfirmed results purged,
/// trained again and sent to every island as corrections.
final class BrokerAuditTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-broker-audit-\(UUID().uuidString)")
    let island = Data("island-1".utf8), otherIsland = Data("island-2".utf8)
    let honest = Data("worker-honest".utf8), other = Data("worker-other".utf8), liar = Data("worker-liar".utf8)

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    func broker(_ audit: AuditPolicy) throws -> BrokerState {
        try BrokerState(cache: try ResultCache(path: directory.appendingPathComponent("cache.sqlite").path), heartbeatTimeout: 60, audit: audit)
    }

    static func result(_ fitness: Double, stage: Int = 1) -> Data { Data(BrokerStateTests.result(fitness: "\(fitness)", stage: stage).utf8) }

    static func corrections(_ out: [BrokerState.Outgoing]) -> [(island: Data, fingerprint: String)] {
        out.compactMap { if case let .correction(island, message, _) = $0 { (island, message.fingerprint) } else { nil } }
    }

    @Test func anAuditedJobGoesToTwoWorkersOnDifferentHostsAndIsAcceptedWhenTheyAgree() throws {
        let state = try broker(AuditPolicy(share: 1, confirmations: false))
        _ = state.workerReady(honest, taskHash: "t1", capacity: 2, now: 0, host: "10.0.0.1")
        _ = state.workerReady(Data("worker-same-host".utf8), taskHash: "t1", capacity: 2, now: 0, host: "10.0.0.1")
        _ = state.workerReady(other, taskHash: "t1", capacity: 2, now: 0, host: "10.0.0.2")
        let handed = BrokerStateTests.jobs(state.submit(BrokerStateTests.request("r1"), from: island))
        #expect(handed.count == 2 && Set(handed.map(\.job)).count == 1, "one job, two workers")
        #expect(Set(handed.map(\.worker)).contains(other), "the second worker is on another host")
        let first = BrokerStateTests.replies(state.result(Self.result(0.5), job: handed[0].job, from: handed[0].worker, now: 1))
        #expect(first.isEmpty, "one answer is not enough for an audited job")
        let second = BrokerStateTests.replies(state.result(Self.result(0.5), job: handed[1].job, from: handed[1].worker, now: 1))
        #expect(second.count == 1 && state.counters.audited == 1 && state.quarantine.isEmpty)
    }

    @Test func aWorkerThatDisagreesWithTwoOthersIsQuarantinedAndItsUnconfirmedResultsAreTrainedAgain() throws {
        let judged = try broker(AuditPolicy(share: 1, confirmations: false))
        // The liar alone first: with no other worker of the task, its answers are accepted unaudited, and served.
        _ = judged.workerReady(liar, taskHash: "t1", capacity: 4, now: 0, host: "h1")
        let lies = BrokerStateTests.jobs(
            judged.submit(BrokerStateTests.request("a", fingerprint: "fa"), from: island)
                + judged.submit(BrokerStateTests.request("b", fingerprint: "fb"), from: otherIsland))
        for job in lies { #expect(BrokerStateTests.replies(judged.result(Self.result(0.55), job: job.job, from: liar, now: 1)).count == 1) }
        #expect(judged.counters.auditsSkipped == 2)
        // Then an audited job on the liar and an honest worker: they disagree, a third decides.
        _ = judged.workerReady(honest, taskHash: "t1", capacity: 1, now: 0, host: "h2")
        let pair = BrokerStateTests.jobs(judged.submit(BrokerStateTests.request("c", fingerprint: "fc"), from: island))
        #expect(Set(pair.map(\.worker)) == [liar, honest])
        _ = judged.result(Self.result(0.55), job: pair[0].job, from: liar, now: 1)
        let disagreed = BrokerStateTests.jobs(judged.result(Self.result(0.5), job: pair[0].job, from: honest, now: 1))
        #expect(judged.counters.disagreements == 1 && disagreed.isEmpty, "no third worker yet: the job waits")
        let third = BrokerStateTests.jobs(judged.workerReady(other, taskHash: "t1", capacity: 4, now: 2, host: "h3"))
        #expect(third.map(\.worker) == [other])
        let settled = judged.result(Self.result(0.5), job: third[0].job, from: other, now: 3)
        #expect(BrokerStateTests.replies(settled).map(\.request) == ["c"])
        #expect(judged.quarantine["worker-liar"]?.contains("2 other workers agreed on 0.5") == true)
        // Its two unconfirmed results left the cache and were queued again; the honest workers train them.
        #expect(judged.counters.purged == 2)
        let again = BrokerStateTests.jobs(settled) + BrokerStateTests.jobs(judged.workerReady(honest, taskHash: "t1", capacity: 4, now: 3, host: "h2"))
        #expect(!again.contains { $0.worker == liar }, "the liar gets nothing")
        var corrections: [(island: Data, fingerprint: String)] = []
        var rounds = 0
        var pending = again
        while let next = pending.first, rounds < 20 {
            pending.removeFirst()
            rounds += 1
            let out = judged.result(Self.result(0.5), job: next.job, from: next.worker, now: 4)
            corrections += Self.corrections(out)
            pending += BrokerStateTests.jobs(out)
        }
        #expect(Set(corrections.map(\.fingerprint)) == ["fa", "fb"], "both lies corrected")
        #expect(Set(corrections.map(\.island)) == [island, otherIsland], "every island hears each correction")
        #expect(judged.counters.corrections == 2)
        // The liar's late answers are ignored.
        #expect(BrokerStateTests.replies(judged.result(Self.result(0.9), job: pair[0].job, from: liar, now: 5)).isEmpty)
        // An island that (re)connects later is sent every correction, and so is an island's first
        // request to a restarted broker.
        try judged.flush()
        #expect(Set(Self.corrections(judged.hello(from: Data("island-3".utf8))).map(\.fingerprint)) == ["fa", "fb"])
        let restarted = try broker(AuditPolicy(share: 1, confirmations: false))
        let first = restarted.submit(BrokerStateTests.request("x", fingerprint: "fx"), from: island)
        #expect(Set(Self.corrections(first).map(\.fingerprint)) == ["fa", "fb"])
        #expect(Self.corrections(restarted.submit(BrokerStateTests.request("y", fingerprint: "fy"), from: island)).isEmpty, "once per island")
    }

    @Test func quarantineAndPendingCorrectionsSurviveARestartAndReleaseLiftsIt() throws {
        let state = try broker(AuditPolicy(share: 1, confirmations: false))
        _ = state.workerReady(liar, taskHash: "t1", capacity: 4, now: 0)
        // Alone, the liar's audited answer is accepted unaudited (no other worker of the task at all).
        let job = BrokerStateTests.jobs(state.submit(BrokerStateTests.request("a", fingerprint: "fa"), from: island))
        #expect(job.count == 1)
        #expect(BrokerStateTests.replies(state.result(Self.result(0.55), job: job[0].job, from: liar, now: 1)).count == 1)
        #expect(state.counters.auditsSkipped == 1)
        // A malformed answer quarantines it and purges the result it gave before.
        let second = BrokerStateTests.jobs(state.submit(BrokerStateTests.request("b", fingerprint: "fb"), from: island))
        _ = state.result(Data(#"{"nonsense": 1}"#.utf8), job: second[0].job, from: liar, now: 2)
        #expect(state.quarantine["worker-liar"] != nil && state.counters.purged == 1)
        try state.flush()
        let restarted = try broker(AuditPolicy(share: 1, confirmations: false))
        #expect(restarted.quarantine["worker-liar"] != nil, "the quarantine is in the file")
        #expect(restarted.queueLength == 1, "the purged result is queued again after the restart")
        #expect(BrokerStateTests.jobs(restarted.workerReady(liar, taskHash: "t1", capacity: 4, now: 0)).isEmpty, "a quarantined worker gets nothing")
        #expect(try restarted.release("worker-liar") && restarted.quarantine.isEmpty)
        #expect(try !restarted.release("worker-liar"), "released already")
        #expect(BrokerStateTests.jobs(restarted.workerReady(liar, taskHash: "t1", capacity: 4, now: 1)).count == 1, "released, it works again")
    }

    @Test func confirmationsAreAuditedWhateverTheShare() throws {
        let state = try broker(AuditPolicy(share: 0, confirmations: true))
        _ = state.workerReady(honest, taskHash: "t1", capacity: 4, now: 0, host: "h1")
        _ = state.workerReady(other, taskHash: "t1", capacity: 4, now: 0, host: "h2")
        #expect(BrokerStateTests.jobs(state.submit(BrokerStateTests.request("s1", stage: .one), from: island)).count == 1)
        #expect(BrokerStateTests.jobs(state.submit(BrokerStateTests.request("s3", fingerprint: "f3", stage: .three), from: island)).count == 2)
    }

    @Test func resultsAgreeToTheBitOrWithinTheTasksTolerance() throws {
        let exact = try broker(AuditPolicy(share: 1, confirmations: false))
        for state in [exact] {
            _ = state.workerReady(honest, taskHash: "t1", capacity: 1, now: 0, host: "h1")
            _ = state.workerReady(other, taskHash: "t1", capacity: 1, now: 0, host: "h2")
        }
        let pair = BrokerStateTests.jobs(exact.submit(BrokerStateTests.request("r"), from: island))
        _ = exact.result(Self.result(0.5), job: pair[0].job, from: pair[0].worker, now: 1)
        _ = exact.result(Self.result(0.5000000001), job: pair[0].job, from: pair[1].worker, now: 1)
        #expect(exact.counters.disagreements == 1, "deterministic: a difference in the tenth digit is a disagreement")
        let tolerant = try BrokerState(
            cache: try ResultCache(path: directory.appendingPathComponent("tolerant.sqlite").path), heartbeatTimeout: 60,
            audit: AuditPolicy(share: 1, confirmations: false, tolerance: 0.01))
        _ = tolerant.workerReady(honest, taskHash: "t1", capacity: 1, now: 0, host: "h1")
        _ = tolerant.workerReady(other, taskHash: "t1", capacity: 1, now: 0, host: "h2")
        let job = BrokerStateTests.jobs(tolerant.submit(BrokerStateTests.request("r"), from: island))
        _ = tolerant.result(Self.result(0.5), job: job[0].job, from: job[0].worker, now: 1)
        let replies = BrokerStateTests.replies(tolerant.result(Self.result(0.505), job: job[0].job, from: job[1].worker, now: 1))
        #expect(replies.count == 1 && tolerant.counters.disagreements == 0, "within the declared tolerance")
    }
}

extension BrokerAuditTests {
    @Test func aBoundedCacheEvictsItsOldestResults() throws {
        let path = directory.appendingPathComponent("bounded.sqlite").path
        let cache = try ResultCache(path: path, limit: 3)
        let keys = (1...5).map { CacheKey(fingerprint: "f\($0)", taskHash: "t", stage: .one) }
        for (index, key) in keys.enumerated() {
            cache.store(.init(json: Self.result(0.5), name: "l", source: "rho", worker: "w", verified: false), for: key)
            if index % 2 == 1 { try cache.flush() }  // two turns, then one
        }
        try cache.flush()
        #expect(cache.count == 3 && cache.result(for: keys[0]) == nil && cache.result(for: keys[1]) == nil && cache.result(for: keys[4]) != nil)
        let reopened = try ResultCache(path: path, limit: 3)
        #expect(reopened.count == 3 && reopened.result(for: keys[0]) == nil && reopened.result(for: keys[2]) != nil)
    }
}
