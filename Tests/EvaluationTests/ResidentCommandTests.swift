import Dispatch
import Evaluation
import Foundation
import LossLanguage
import Synchronization
import TestSupport
import Testing

/// The resident command protocol (ResidentPool) against a scripted command: one process serves many
/// jobs, a crash or a hang fails that job alone, two jobs at once run in two instances, and an
/// interrupt leaves no process behind. Real processes, real sockets.
struct ResidentCommandTests {
    /// A task whose command is `resident.py` named by a marker of its own (for `pgrep`); stage 2
    /// trains on `seeds`, stage 1 on `first` and stage 3 on `third` (one beta each).
    static func task(
        marker: String, seeds: [UInt64] = [3, 4], first: [UInt64] = [1], third: [UInt64] = [2], timeout: Double = 30,
        settings: [String: JobSetting] = ["steps": .number(64)], extra: [String] = []
    ) -> TaskConfig {
        let command = CommandTaskSettings(
            argv: ["\(Small.scripts)/resident.py", marker] + extra, timeoutSeconds: timeout, maxOutputBytes: 4096, resident: true, jobSettings: settings)
        var task = TaskConfig(
            kind: .command(command), stageOne: EvaluationGrid(betas: [0.1], seeds: first, starts: [.exact]),
            stageTwo: EvaluationGrid(betas: [0.1, 0.5], seeds: seeds, starts: [.exact]))
        task.members[0].confirmationSeeds = third
        return task
    }

    static func marker() -> String { "evod-resident-test-\(UUID().uuidString)" }

    @Test func oneInstanceServesEveryJobWithTheTaskSettings() throws {
        let marker = Self.marker()
        let evaluator = Self.task(marker: marker).makeEvaluator()
        let first = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .two)
        let second = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .two)
        #expect(first.failed == nil && second.failed == nil, "\(first.failed ?? "") \(second.failed ?? "")")
        let runs = first.runs + second.runs
        #expect(runs.map { $0.metrics["served"] } == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Set(runs.compactMap { $0.metrics["pid"] }).count == 1, "a second instance was started")
        #expect(runs.allSatisfy { $0.metrics["beta_seen"] == $0.beta && $0.metrics["steps"] == 64 })
        #expect(abs((first.fitness ?? 0) - 0.035) < 1e-12)  // seeds 3 and 4 score 0.03 and 0.04
        #expect(try ProcessProbe.running(marker), "the idle instance should be kept")
        evaluator.interrupt()
        #expect(try !ProcessProbe.running(marker), "an idle instance outlived the interrupt")
    }

    @Test func aCrashFailsThatJobOnlyAndTheNextJobStartsAFreshInstance() throws {
        let marker = Self.marker()
        let evaluator = Self.task(marker: marker, seeds: [13], first: [3], third: [4]).makeEvaluator()
        let before = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .one)
        let crashed = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .two)
        let after = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .three)
        #expect(before.failed == nil && after.failed == nil, "\(before.failed ?? "") \(after.failed ?? "")")
        #expect(
            crashed.failed == "the resident command exited with status 7 during the job; the next job starts it again (beta 0.1, seed 13); "
                + "its output ends: resident: job 2 seed 13 | CUDA error: an illegal memory access (pretend)", "\(crashed.failed ?? "")")
        #expect(after.runs.first?.metrics["served"] == 1, "the job after the crash was not served by a fresh instance")
        #expect(after.runs.first?.metrics["pid"] != before.runs.first?.metrics["pid"])
        evaluator.interrupt()
        #expect(try !ProcessProbe.running(marker))
    }

    @Test func aHangHitsTheTimeoutAndItsInstanceIsKilled() throws {
        let marker = Self.marker()
        let result = Self.task(marker: marker, first: [14], timeout: 1).makeEvaluator().evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .one)
        #expect(
            result.failed?.hasPrefix("the job timed out after 1.0 s and the resident command's process group was killed (beta 0.1, seed 14)") == true,
            "\(result.failed ?? "")")
        #expect(try !ProcessProbe.running(marker), "the hanging instance survived its timeout")
    }

    @Test func aReportedErrorFailsTheJobAndKeepsTheInstance() throws {
        let marker = Self.marker()
        let evaluator = Self.task(marker: marker, seeds: [21], first: [15]).makeEvaluator()
        let failed = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .one)
        #expect(
            failed.failed?.hasPrefix("the command failed the job: ValueError: the loss returned NaN (pretend) (beta 0.1, seed 15)") == true,
            "\(failed.failed ?? "")")
        // Seed 21 is answered with another job's id first, which is not this job's reply.
        let served = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .two)
        #expect(served.failed == nil, "\(served.failed ?? "")")
        #expect(served.runs.map { $0.metrics["served"] } == [2, 3], "the instance that reported an error was not kept")
        #expect(served.fitness == 0.21, "a reply to another job was taken for this one")
        evaluator.interrupt()
    }

    @Test func twoJobsAtOnceRunInTwoInstances() throws {
        let marker = Self.marker()
        let barrier = FileManager.default.temporaryDirectory.appendingPathComponent("evod-test-barrier-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: barrier, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: barrier) }
        let evaluator = Self.task(marker: marker, first: [20], settings: ["barrier": .string(barrier)]).makeEvaluator()
        let results = Mutex<[EvaluationResult]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let result = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .one)
            results.withLock { $0.append(result) }
        }
        let both = results.withLock { $0 }
        #expect(both.allSatisfy { $0.failed == nil }, "\(both.map { $0.failed ?? "" })")
        #expect(Set(both.compactMap { $0.runs.first?.metrics["pid"] }).count == 2)
        evaluator.interrupt()
        #expect(try !ProcessProbe.running(marker))
    }

    @Test func aCommandThatNeverSaysReadyFailsAtTheTimeout() throws {
        let marker = Self.marker()
        let result = Self.task(marker: marker, first: [3], timeout: 1, extra: ["--no-ready"]).makeEvaluator()
            .evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .one)
        #expect(
            result.failed?.hasPrefix("the resident command was not ready after 1.0 s and its process group was killed (beta 0.1, seed 3)") == true,
            "\(result.failed ?? "")")
        #expect(try !ProcessProbe.running(marker))
    }

    @Test func interruptingARunningJobKillsItsInstance() throws {
        let marker = Self.marker()
        let evaluator = Self.task(marker: marker, first: [14], timeout: 60).makeEvaluator()
        let outcome = Mutex<EvaluationResult?>(nil)
        let thread = Thread {
            let result = evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .one)
            outcome.withLock { $0 = result }
        }
        thread.start()
        #expect(try ProcessProbe.startsRunning(marker))
        Thread.sleep(forTimeInterval: 0.3)  // into the job, most likely; an interrupt before it is as good
        evaluator.interrupt()
        let deadline = Date().addingTimeInterval(20)
        while outcome.withLock({ $0 }) == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let result = try #require(outcome.withLock { $0 }, "the evaluation did not return after the interrupt")
        #expect(result.isInterrupted, "\(result.failed ?? "no failure")")
        #expect(try !ProcessProbe.running(marker), "the instance survived the interrupt")
        #expect(evaluator.evaluate(CommandEvaluatorTests.dpo, name: "dpo", stage: .one).isInterrupted)
        #expect(try !ProcessProbe.running(marker), "an interrupted evaluator started a new instance")
    }
}
