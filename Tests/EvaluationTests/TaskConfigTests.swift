import ConfigFiles
import Evaluation
import Foundation
import PrefBandit
import Testing

/// Task files: the shipped default, and bad files naming the file, the key and the expectation.
struct TaskConfigTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("configs/tasks/prefbandit.toml").path

    @Test func theShippedTaskFileIsTheEmbeddedDefault() throws {
        let task = try TaskConfig.load(path: Self.shipped)
        #expect(task == .prefbanditDefault)
        #expect(task.hash == TaskConfig.prefbanditDefault.hash)
        #expect(task.members.count == 1 && task.members[0].stageTwo.runs.count == 32)
    }

    /// Every task file the repository ships loads (the TRL tasks, the gemma set-up's among them, are only
    /// read by a run otherwise).
    @Test func everyShippedTaskFileLoads() throws {
        let folder = URL(fileURLWithPath: Self.shipped).deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(files.contains("trl-gemma.toml") && files.count >= 10)
        for file in files {
            _ = try TaskConfig.load(path: folder.appendingPathComponent(file).path)
        }
    }

    @Test func emptyFileTakesEveryDefault() throws {
        #expect(try TaskConfig.parse("", file: "empty.toml") == .prefbanditDefault)
    }

    @Test(arguments: [
        ("[prefbandit]\npair = 3", "t.toml: key 'prefbandit.pair': unknown key"),
        ("[prefbandit]\npairs = \"many\"", "t.toml: key 'prefbandit.pairs': expected an integer, got string"),
        ("[prefbandit]\nlabel_noise = 0.7", "t.toml: key 'prefbandit.label_noise': expected a number in [0.0, 0.49], got 0.7"),
        ("type = \"gpu\"", "t.toml: key 'type': expected one of \"prefbandit\", \"command\", \"suite\", \"cascade\", got \"gpu\""),
        ("[stage2]\nstarts = [\"warm\"]", "t.toml: key 'stage2.starts': expected \"exact\" or \"perturbed\", got \"warm\""),
        ("[stage1]\nbetas = []", "t.toml: key 'stage1.betas': expected a non-empty array of numbers"),
        ("type = \"command\"", "t.toml: key 'command': a command task needs a [command] table with argv"),
        ("type = \"command\"\n[command]\nargv = [\"train.sh\"]", "t.toml: key 'command.argv': expected the placeholder {file}"),
        (
            "type = \"command\"\n[command]\nargv = [\"train.sh\", \"{file}\"]\n[stage2]\nseeds = [101]",
            "t.toml: key 'seeds': member \"main\": the search and confirmation seed sets share seed 101"
        ),
        ("pairs = [", "t.toml: not valid TOML at line 1"),
        ("[command]\nargv = [\"x\", \"{file}\"]", "t.toml: key 'command': unknown key"),
        ("[prefbandit]\npairs = 10\nbatch_size = 64", "t.toml: key 'prefbandit.batch_size': batch_size must not exceed pairs"),
        (
            "type = \"command\"\n[command]\nargv = [\"serve.py\", \"{file}\"]\nresident = true",
            "t.toml: key 'command.argv': a resident command gets the file, beta and seed in each job line, not in its arguments: remove {file}"
        ),
        (
            "type = \"command\"\n[command]\nargv = [\"x\", \"{file}\"]\n[command.settings]\nsteps = 3",
            "t.toml: key 'command.settings': job settings go to a resident command's jobs: set resident = true"
        ),
        (
            "type = \"command\"\n[command]\nargv = [\"serve.py\"]\nresident = true\n[command.settings]\nsteps = [3]",
            "t.toml: key 'command.settings.steps': expected a string, a number or true/false, got array"
        ),
        (
            "type = \"command\"\n[command]\nargv = [\"x\", \"{file}\"]\nexport = \"onnx\"",
            "t.toml: key 'command.export': expected one of \"pytorch\", \"trl\", \"loss\", \"latex\", got \"onnx\""
        ),
    ])
    func badFileIsAnErrorNamingFileKeyAndExpectation(text: String, message: String) {
        do {
            _ = try TaskConfig.parse(text, file: "t.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
        }
    }

    @Test func theHashChangesWithAnySetting() throws {
        let other = try TaskConfig.parse("[prefbandit]\nlabel_noise = 0.1", file: "t.toml")
        #expect(other.hash != TaskConfig.prefbanditDefault.hash)
        #expect(TaskConfig.prefbanditDefault.hash.count == 32)
    }

    @Test func theTRLTaskWritesTheTrainerModuleAndTheDefaultExportKeepsOldHashes() throws {
        let path = URL(fileURLWithPath: Self.shipped).deletingLastPathComponent().appendingPathComponent("trl-tiny.toml").path
        let task = try TaskConfig.load(path: path)
        guard case let .command(settings) = task.members[0].kind else { Issue.record("not a command task"); return }
        #expect(settings.export == .trl)
        #expect(settings.argv.contains("evaluators/trl/evaluate.py"))
        #expect(settings.resident && settings.argv.contains("--serve"))
        let plain = "type = \"command\"\n[command]\nargv = [\"x\", \"{file}\"]\n"
        let implicit = try TaskConfig.parse(plain, file: "t.toml")
        #expect(try TaskConfig.parse(plain + "export = \"pytorch\"\n", file: "t.toml").hash == implicit.hash)
        #expect(try TaskConfig.parse(plain + "export = \"trl\"\n", file: "t.toml").hash != implicit.hash)
        #expect(try TaskConfig.parse(plain + "resident = false\n", file: "t.toml").hash == implicit.hash)
    }

    @Test func aTaskDeclaresHowFarTwoWorkersMayDisagreeInAnAudit() throws {
        #expect(TaskConfig.prefbanditDefault.auditTolerance(at: .two) == 0, "prefbandit: to the bit")
        let plain = "type = \"command\"\n[command]\nargv = [\"x\", \"{file}\"]\n"
        let undeclared = try TaskConfig.parse(plain, file: "t.toml")
        #expect(undeclared.auditTolerance(at: .one) == nil, "a command that declares nothing is not audited")
        let declared = try TaskConfig.parse(plain + "audit_tolerance = 0.002\n", file: "t.toml")
        #expect(declared.auditTolerance(at: .three) == 0.002)
        #expect(throws: ConfigError.self) { try TaskConfig.parse(plain + "audit_tolerance = -1\n", file: "t.toml") }
    }

    @Test func aResidentCommandReadsItsJobSettingsAndTheyChangeTheHash() throws {
        let text = "type = \"command\"\n[command]\nargv = [\"serve.py\", \"--gpu\"]\nresident = true\n"
        let bare = try TaskConfig.parse(text, file: "t.toml")
        let task = try TaskConfig.parse(text + "[command.settings]\nsteps = 32\nmodel = \"/m\"\nbf16 = true\n", file: "t.toml")
        guard case let .command(settings) = task.members[0].kind else { Issue.record("not a command task"); return }
        #expect(settings.resident)
        #expect(settings.jobSettings == ["steps": .number(32), "model": .string("/m"), "bf16": .bool(true)])
        #expect(task.hash != bare.hash)
        let oneShot = try TaskConfig.parse("type = \"command\"\n[command]\nargv = [\"serve.py\", \"--gpu\", \"{file}\"]\n", file: "t.toml")
        #expect(bare.hash != oneShot.hash)
    }

    @Test func aCascadeTrainsEachStageOnItsTaskAndValidatesOnStageThreesHeldOutSeeds() throws {
        let directory = URL(fileURLWithPath: Self.shipped).deletingLastPathComponent()
        let cascade = try TaskConfig.load(path: directory.appendingPathComponent("lm-like-trl.toml").path)
        let proxy = try TaskConfig.load(path: directory.appendingPathComponent("lm-like.toml").path)
        var real = try TaskConfig.load(path: directory.appendingPathComponent("trl-tiny.toml").path)
        real.members[0].name = "trl-tiny"
        #expect(cascade.isCascade)
        #expect(cascade.members == proxy.members && cascade.validation == proxy.validation)
        #expect(cascade.task(for: .one) == proxy && cascade.task(for: .two) == proxy && cascade.task(for: .three) == real)
        #expect(cascade.stageTasks.mapValues(\.name) == [.one: "lm-like", .two: "lm-like", .three: "trl-tiny"])
        #expect(!cascade.isOwnTask(.one) && cascade.isOwnTask(.three))
        #expect(cascade.hash != proxy.hash && cascade.hash != real.hash)

        let evaluator = cascade.makeEvaluator()
        #expect(evaluator.runCount(stage: .two) == proxy.makeEvaluator().runCount(stage: .two))
        #expect(evaluator.runCount(stage: .three) == real.members[0].grid(for: .three).runs.count)
        let targets = evaluator.validationTasks
        #expect(targets.filter { if case .confirmation = $0 { true } else { false } }.count == 1)
        let last = try #require(targets.last)
        #expect(evaluator.member(last).name == "trl-tiny" && evaluator.member(last).heldoutSeeds == real.members[0].heldoutSeeds)
    }

    @Test(arguments: [
        ("type = \"cascade\"", "c.toml: key 'cascade': a cascade needs a [cascade] table"),
        ("type = \"cascade\"\n[cascade]\nstage3 = \"trl-tiny.toml\"", "c.toml: key 'cascade.stage2': expected the path of a task file"),
        ("type = \"cascade\"\n[cascade]\nstage2 = \"lm-like-trl.toml\"", "c.toml: key 'cascade.stage2': lm-like-trl.toml is a cascade itself"),
        ("type = \"cascade\"\n[cascade]\nstage2 = \"lm-like.toml\"\nstage4 = \"x.toml\"", "c.toml: key 'cascade.stage4': unknown key"),
        ("type = \"cascade\"\n[cascade]\nstage2 = \"lm-like.toml\"\nstage3 = \"lm-like-copy.toml\"", "c.toml: key 'cascade.stage3': the name \"lm-like\""),
    ])
    func aBadCascadeIsAnErrorNamingTheKey(text: String, message: String) throws {
        // In a copy of the shipped tasks' directory, where a second file holds lm-like's members under another name.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-cascade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let shipped = URL(fileURLWithPath: Self.shipped).deletingLastPathComponent()
        for name in ["lm-like.toml", "trl-tiny.toml", "lm-like-trl.toml"] {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let copy = try String(contentsOf: shipped.appendingPathComponent("lm-like.toml"), encoding: .utf8).replacingOccurrences(of: "steps = 250", with: "steps = 251")
        try copy.write(to: directory.appendingPathComponent("lm-like-copy.toml"), atomically: true, encoding: .utf8)
        do {
            _ = try TaskConfig.parse(text, file: directory.appendingPathComponent("c.toml").path)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(directory.appendingPathComponent(message).path), "\(error)")
        }
    }
}
