import Dispatch
import Evaluation
import Foundation
import LossLanguage
import Testing

/// Command evaluators with small scripts: one that scores, one that hangs, one that writes garbage,
/// one that exits 3. Real processes.
struct CommandEvaluatorTests {
    static func task(_ script: String, timeout: Double = 30) -> TaskConfig {
        let argv = ["\(Small.scripts)/\(script)", "{file}", "{beta}", "{seed}", "{output}"]
        return TaskConfig(kind: .command(CommandTaskSettings(argv: argv, timeoutSeconds: timeout, maxOutputBytes: 4096)),
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

    @Test func aHangingCommandIsKilledWithItsWholeProcessGroupAtTheTimeout() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = Self.task("hang.sh", timeout: 1).makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(result.fitness == nil)
        #expect(result.failed?.contains("timed out after 1.0 s and its process group was killed") == true, "\(result.failed ?? "")")
        #expect(seconds < 10)
        let survivors = Process()
        survivors.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        survivors.arguments = ["-f", "sleep 987654"]
        survivors.standardOutput = FileHandle.nullDevice
        try survivors.run()
        survivors.waitUntilExit()
        #expect(survivors.terminationStatus == 1, "the hanging script's child survived")
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
        task.kind = .command(CommandTaskSettings(argv: ["/nonexistent/train", "{file}"]))
        let result = task.makeEvaluator().evaluate(Self.dpo, name: "dpo", stage: .one)
        #expect(result.failed?.hasPrefix("cannot start '/nonexistent/train'") == true, "\(result.failed ?? "")")
    }
}
