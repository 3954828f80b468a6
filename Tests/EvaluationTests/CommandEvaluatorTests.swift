import Dispatch
import Evaluation
import Foundation
import LossLanguage
import Synchronization
import TestSupport
import Testing

/// Command evaluators with small scripts: one that scores, one that hangs, one that writes garbage,
/// one that exits 3. Real processes.
struct CommandEvaluatorTests {
    static func task(_ script: String, timeout: Double = 30) -> TaskConfig {
        let argv = ["\(Small.scripts)/\(script)", "{file}", "{beta}", "{seed}", "{output}"]
        return TaskConfig(
            kind: .command(CommandTaskSettings(argv: argv, timeoutSeconds: timeout, maxOutputBytes: 4096)),
            stageOne: EvaluationGrid(betas: [0.5], seeds: [7], starts: [.exact]),
            stageTwo: EvaluationGrid(betas: [0.1, 0.5], seeds: [3, 4], starts: [.exact]))
    }

    static let dpo = try! LossParser.parse("-logsigmoid(beta * rho)").graph

    @Test func aScoringCommandGivesTheMeanFitnessAndItsMetrics() {
        let result = Self.task("score.sh").makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .two)
        #expect(result.failed == nil, "\(result.failed ?? "")")
        #expect(result.runs.count == 4)
        #expect(abs((result.fitness ?? 0) - 0.35) < 1e-12)  // seeds 3 and 4 score 0.3 and 0.4
        #expect(result.runs.allSatisfy { $0.metrics["beta_seen"] == $0.beta && $0.metrics["seed_seen"] == Double($0.seed) })
        let stageOne = Self.task("score.sh").makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        #expect(stageOne.stage == .one && stageOne.runs.count == 1 && stageOne.fitness == 0.7)
    }

    @Test func theConfiguredExportIsWhatTheCommandReads() throws {
        // grep exits 1 (a failed run) unless {file} holds the TRL trainer module.
        let argv = ["/bin/sh", "-c", "grep -q '^EvodDPOTrainer = DpoDPOTrainer$' \"$0\" && echo '{\"fitness\": 0.5}' > \"$1\"", "{file}", "{output}"]
        let stage = EvaluationGrid(betas: [0.5], seeds: [7], starts: [.exact])
        func result(_ export: ExportFormat) -> EvaluationResult {
            TaskConfig(kind: .command(CommandTaskSettings(argv: argv, timeoutSeconds: 30, export: export)), stageOne: stage, stageTwo: stage)
                .makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        }
        #expect(result(.trl).fitness == 0.5, "\(result(.trl).failed ?? "")")
        #expect(result(.pytorch).failed?.contains("exited with status 1") == true)
    }

    @Test func aHangingCommandIsKilledWithItsWholeProcessGroupAtTheTimeout() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = Self.task("hang.sh", timeout: 1).makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(result.fitness == nil)
        #expect(result.failed?.contains("timed out after 1.0 s and its process group was killed") == true, "\(result.failed ?? "")")
        #expect(seconds < 10)
        #expect(try !ProcessProbe.running("sleep 987654"), "the hanging script's child survived")
    }

    @Test func filesLeftByAKilledProcessAreRemovedByTheNextEvaluator() throws {
        let finished = Process()  // a process that has exited: its pid names no one now
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let temporary = FileManager.default.temporaryDirectory
        let stale = temporary.appendingPathComponent("evod-command-\(finished.processIdentifier)-\(UUID().uuidString)")
        let live = temporary.appendingPathComponent("evod-command-\(getpid())-\(UUID().uuidString)")
        // Filled under another name and renamed into place: evaluators made by tests running
        // beside this one sweep too, and must not find the stale directory half-written.
        for directory in [stale, live] {
            let staging = temporary.appendingPathComponent("evod-test-staging-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try "pass".write(to: staging.appendingPathComponent("candidate.py"), atomically: true, encoding: .utf8)
            try FileManager.default.moveItem(at: staging, to: directory)
        }
        defer { try? FileManager.default.removeItem(at: live) }
        _ = Self.task("score.sh").makeEvaluator()
        #expect(!FileManager.default.fileExists(atPath: stale.path), "a dead process's files were kept")
        #expect(FileManager.default.fileExists(atPath: live.path + "/candidate.py"), "a running process's files were removed")
    }

    @Test func theCommandInheritsNoFileDescriptorsButItsStandardOnes() throws {
        let leaked = open("/dev/null", O_RDONLY)  // not close-on-exec: a command would inherit it
        #expect(leaked > 2)
        defer { close(leaked) }
        let result = Self.task("fds.sh").makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        #expect(result.failed == nil, "\(result.failed ?? "")")
        #expect(result.runs.first?.metrics["fds"] == 4, "\(result.runs.first?.metrics ?? [:])")  // 0, 1, 2 and ls's own
    }

    @Test func interruptingKillsTheRunningCommandsGroupAndRemovesItsFiles() throws {
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("evod-test-record-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: record) }
        var task = Self.task("hang_and_record.sh", timeout: 60)
        task.members[0].kind = .command(CommandTaskSettings(argv: ["\(Small.scripts)/hang_and_record.sh", "{file}", record], timeoutSeconds: 60))
        let evaluator = task.makeEvaluator()
        let outcome = Mutex<EvaluationResult?>(nil)
        let thread = Thread {
            let result = evaluator.evaluate(Self.dpo, name: "dpo", stage: .one)
            outcome.withLock { $0 = result }
        }
        thread.start()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: record), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let fields = try String(contentsOfFile: record, encoding: .utf8).split(separator: " ")
        let directory = String(fields[1]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FileManager.default.fileExists(atPath: directory + "/candidate.py"))
        #expect(try ProcessProbe.startsRunning("sleep 987653"))

        evaluator.interrupt()
        while outcome.withLock({ $0 }) == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let result = try #require(outcome.withLock { $0 }, "the evaluation did not return after the interrupt")
        #expect(result.isInterrupted, "\(result.failed ?? "no failure")")
        #expect(result.fitness == nil)
        #expect(!FileManager.default.fileExists(atPath: directory), "the command's files were left behind")
        #expect(try !ProcessProbe.running("sleep 987653"), "the command's child survived the interrupt")
        // Once interrupted, the evaluator starts nothing more.
        #expect(evaluator.evaluate(Self.dpo, name: "dpo", stage: .one).isInterrupted)
    }

    @Test func garbageOutputIsAClearError() {
        let result = Self.task("garbage.sh").makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        #expect(result.fitness == nil)
        #expect(result.failed == "the output file is not a JSON object (beta 0.5, seed 7)")
    }

    @Test func aNonZeroExitIsAClearErrorWithTheCommandsLastWords() {
        let result = Self.task("exit3.sh").makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        #expect(result.fitness == nil)
        #expect(result.failed == "the command exited with status 3 (beta 0.5, seed 7); its output ends: CUDA out of memory (pretend)")
    }

    @Test func aMissingProgramIsAClearError() {
        var task = Self.task("score.sh")
        task.members[0].kind = .command(CommandTaskSettings(argv: ["/nonexistent/train", "{file}"]))
        let result = task.makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        #expect(result.failed?.hasPrefix("cannot start '/nonexistent/train'") == true, "\(result.failed ?? "")")
    }
}
