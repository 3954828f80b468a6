import ConfigFiles
import Evaluation
import Foundation
import PrefBandit
import Testing

/// Task suites (docs/architecture.md §5.4): members with weights, seed sets, transfer tasks.
struct SuiteTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("configs/tasks/default.toml").path

    static func small(noise: Double) -> PrefBanditSettings {
        var s = Small.settings
        s.labelNoise = noise
        return s
    }

    static func member(_ name: String, weight: Double, noise: Double) -> TaskMember {
        TaskMember(
            name: name, weight: weight, kind: .prefbandit(small(noise: noise)),
            stageOne: EvaluationGrid(betas: [0.1], seeds: [1], starts: [.exact]),
            stageTwo: EvaluationGrid(betas: [0.1, 1.0], seeds: [1, 2], starts: [.exact]),
            confirmationSeeds: [7, 8], heldoutSeeds: [9])
    }

    @Test func theShippedDefaultSuiteIsTheEmbeddedDefault() throws {
        let task = try TaskConfig.load(path: Self.shipped)
        #expect(task == .defaultSuite)
        #expect(task.members.map(\.name) == ["noisy-wide", "wide", "clean"])
        #expect(task.validation.count == 4)
        #expect(task.members.allSatisfy { $0.seedOverlap == nil })
    }

    @Test func everyShippedTaskFileLoadsWithDisjointSeedSets() throws {
        let directory = URL(fileURLWithPath: Self.shipped).deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".toml") }
        #expect(Set(files).isSuperset(of: ["default.toml", "lm-like.toml", "prefbandit.toml", "trl-tiny.toml"]))
        for file in files {
            let task = try TaskConfig.load(path: directory.appendingPathComponent(file).path)
            #expect(task.members.allSatisfy { $0.seedOverlap == nil }, "\(file)")
        }
    }

    @Test func theLMLikeSuiteTrainsTheCalibratedRegime() throws {
        let path = URL(fileURLWithPath: Self.shipped).deletingLastPathComponent().appendingPathComponent("lm-like.toml").path
        let task = try TaskConfig.load(path: path)
        #expect(task.members.map(\.name) == ["lm-like", "lm-like-noisy"])
        let settings = task.members.compactMap { member -> PrefBanditSettings? in
            if case let .prefbandit(settings) = member.kind { return settings }
            return nil
        }
        // The regime the calibration chose (docs/results/2026-12-05-lm-like-proxy.md): many more features than pairs, a quarter of the steps.
        #expect(settings.map(\.features) == [512, 512] && settings.map(\.steps) == [250, 250])
        #expect(settings.map(\.pairs) == [512, 256] && settings.map(\.labelNoise) == [0, 0.1])
        #expect(task.members.allSatisfy { $0.stageTwo.betas == [0.1, 0.3] && $0.stageTwo.seeds == Array(1...8) })
        #expect(task.validation.map(\.name) == ["lm-like-short", "lm-like-d1024"])
    }

    @Test func aSuitesFitnessIsTheWeightedMeanOfItsMembers() throws {
        let dpo = try Small.loss("-logsigmoid(beta * rho)")
        let clean = Self.member("clean", weight: 1, noise: 0), noisy = Self.member("noisy", weight: 3, noise: 0.2)
        let suite = TaskConfig(members: [clean, noisy]).makeEvaluator().evaluate(dpo, name: "dpo", stage: .two)
        let alone = [clean, noisy].map { TaskConfig(members: [$0]).makeEvaluator().evaluate(dpo, name: "dpo", stage: .two) }
        let (a, b) = (try #require(alone[0].fitness), try #require(alone[1].fitness))
        #expect(a != b)
        #expect(abs(try #require(suite.fitness) - (a + 3 * b) / 4) < 1e-12)
        #expect(suite.members?.map(\.name) == ["clean", "noisy"])
        #expect(suite.members?.map(\.fitness) == [a, b])
        #expect(suite.runs.count == 8 && Set(suite.runs.compactMap(\.member)) == ["clean", "noisy"])
        #expect(abs((suite.metrics["kl"] ?? 0) - ((alone[0].metrics["kl"] ?? 0) + 3 * (alone[1].metrics["kl"] ?? 0)) / 4) < 1e-12)
    }

    /// `loss eval` builds a stage's task instances first, to time them apart: the evaluation after
    /// it trains on those very instances, so every run is what it is without the preparation.
    @Test func preparingAStagesInstancesChangesNoResult() throws {
        let task = TaskConfig(members: [Self.member("clean", weight: 1, noise: 0), Self.member("noisy", weight: 3, noise: 0.2)])
        let dpo = try Small.loss("-logsigmoid(beta * rho)")
        let member = PrefBanditEvaluator(settings: Small.settings)
        member.prepare(seeds: [2, 1])
        #expect(member.preparedSeeds == [1, 2])
        let prepared = task.makeEvaluator()
        #expect(prepared.prepare(stage: .two) > 0)
        let after = prepared.evaluate(dpo, name: "dpo", stage: .two)
        let without = task.makeEvaluator().evaluate(dpo, name: "dpo", stage: .two)
        #expect(after.runs.count == 8 && after.runs == without.runs && after.fitness == without.fitness)
    }

    @Test func stageThreeTrainsOnTheConfirmationSeedsOnly() throws {
        let task = TaskConfig(members: [Self.member("clean", weight: 1, noise: 0)])
        let result = task.makeEvaluator().evaluate(try Small.loss("-logsigmoid(beta * rho)"), name: "dpo", stage: .three)
        #expect(result.stage == .three && Set(result.runs.map(\.seed)) == [7, 8])
    }

    @Test func membersInheritTheSuitesTablesAndOverrideThem() throws {
        let task = try TaskConfig.parse(
            """
            type = "suite"
            [prefbandit]
            features = 16
            [stage2]
            seeds = [1, 2]
            [seeds]
            confirmation = [3]
            heldout = "10-12"
            [[member]]
            name = "a"
            [[member]]
            name = "b"
            weight = 0.5
            [member.prefbandit]
            label_noise = 0.1
            [member.stage2]
            betas = [0.5]
            [[validation]]
            name = "t"
            heldout = [40, 41]
            [validation.prefbandit]
            pairs = 128
            """, file: "s.toml")
        #expect(task.members.map(\.prefbandit?.features) == [16, 16])
        #expect(task.members[1].prefbandit?.labelNoise == 0.1 && task.members[0].prefbandit?.labelNoise == 0)
        #expect(task.members[1].stageTwo.betas == [0.5] && task.members[1].stageTwo.seeds == [1, 2])
        #expect(task.members[1].weight == 0.5 && task.members[0].heldoutSeeds == [10, 11, 12])
        #expect(task.validation[0].heldoutSeeds == [40, 41] && task.validation[0].prefbandit?.pairs == 128)
        #expect(task.validation[0].prefbandit?.features == 16)
    }

    @Test func heldOutSeedsAndTransferTasksAreNotPartOfTheHash() throws {
        var task = TaskConfig.defaultSuite
        let hash = task.hash
        task.members[0].heldoutSeeds = [5000]
        task.validation.removeAll()
        #expect(task.hash == hash)
        task.members[0].confirmationSeeds = [4000]
        #expect(task.hash != hash)
    }

    @Test(arguments: [
        (
            "[stage2]\nseeds = [1, 2, 3]\n[seeds]\nheldout = [3, 2]",
            "s.toml: key 'seeds': member \"main\": the search and held-out seed sets share seeds 2, 3"
        ),
        (
            "type = \"suite\"\n[[member]]\nname = \"noisy\"\n[member.seeds]\nconfirmation = [1]",
            "s.toml: key 'member[1].seeds': member \"noisy\": the search and confirmation seed sets share seed 1"
        ),
        (
            "type = \"suite\"\n[seeds]\nconfirmation = \"50-60\"\nheldout = \"55-70\"\n[[member]]\nname = \"x\"",
            "s.toml: key 'member[1].seeds': member \"x\": the confirmation and held-out seed sets share seeds 55, 56, 57, 58, 59, 60"
        ),
    ])
    func overlappingSeedSetsAreRefusedNamingTheMemberAndTheSeeds(text: String, message: String) {
        do {
            _ = try TaskConfig.parse(text, file: "s.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }

    @Test(arguments: [
        ("type = \"suite\"", "s.toml: key 'member': a suite needs at least one [[member]] table"),
        ("type = \"suite\"\n[[member]]\nname = \"a\"\n[[member]]\nname = \"a\"", "s.toml: key 'member[2].name': the member name \"a\" is used twice"),
        ("type = \"suite\"\n[[member]]\nname = \"a b\"", "s.toml: key 'member[1].name': expected a name of 1 to 64"),
        ("type = \"suite\"\n[[member]]\nname = \"a\"\nweight = 0", "s.toml: key 'member[1].weight': expected a positive number"),
        (
            "type = \"suite\"\n[[member]]\nname = \"a\"\n[[validation]]\nname = \"t\"",
            "s.toml: key 'validation[1].name': transfer task \"t\" is the same task as member \"a\""
        ),
        ("type = \"prefbandit\"\n[[member]]\nname = \"a\"", "s.toml: key 'type': a file with [[member]] or [[validation]] tables is a suite"),
        ("[seeds]\nheldout = [4, 4]", "s.toml: key 'seeds.heldout': seed 4 appears twice"),
        ("[seeds]\nheldout = \"9-3\"", "s.toml: key 'seeds.heldout': expected an array of integers or a range"),
        ("type = \"suite\"\n[[member]]\nname = \"a\"\nlabel_noise = 0.1", "s.toml: key 'member[1].label_noise': unknown key"),
        ("type = \"suite\"\n[[member]]\nname = \"a\"\n[member.command]\nargv = [\"x\", \"{file}\"]", "s.toml: key 'member[1].command': unknown key"),
    ])
    func badSuitesAreErrorsNamingTheKey(text: String, message: String) {
        do {
            _ = try TaskConfig.parse(text, file: "s.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }
}
