import Foundation
import LossLanguage
import TestSupport
import Testing

/// `evoctl loss describe` and `evoctl loss export` as a user runs them: the real binary, real files.
struct LossCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let evoctl = root.appendingPathComponent(".build/debug/evoctl")

    /// Runs evoctl with `arguments` (and `input` on standard input); returns exit status and standard output.
    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = evoctl
        process.arguments = arguments
        process.currentDirectoryURL = root
        let stdout = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func describeJSONHasTheDocumentedKeys() throws {
        let (status, output) = try Self.run(["loss", "describe", "losses/dpo.loss", "--json"])
        #expect(status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["name", "valid", "error", "canonical", "fingerprint", "descriptors"])
        #expect(json["name"] as? String == "dpo")
        #expect(json["valid"] as? Bool == true)
        #expect(json["error"] is NSNull)
        #expect(json["canonical"] as? String == "-logsigmoid(beta * rho)")
        let descriptors = try #require(json["descriptors"] as? [String: Double])
        #expect(abs((descriptors["grad0"] ?? 0) + 0.5678) < 2e-3)
        #expect(Set(descriptors.keys) == ["convexity", "grad0", "beta_sensitivity"])
    }

    @Test func invalidLossExitsNonZeroAndStillPrintsItsError() throws {
        let (status, output) = try Self.run(
            ["loss", "describe", "-", "--json", "--form", "pytorch"],
            input: """
                def f(self, a, b, c, d):
                    return (a - b).mean()
                """)
        #expect(status != 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(json["valid"] as? Bool == false)
        #expect((json["error"] as? String)?.contains("Expected loss shape to be per input (e.g. (10,)), got torch.Size([])") == true)
    }

    @Test func exportedPyTorchDescribesToTheSameFingerprint() throws {
        let exported = try Self.run(["loss", "export", "losses/lrml.loss", "--format", "pytorch"])
        #expect(exported.status == 0)
        let original = try Self.run(["loss", "describe", "losses/lrml.loss", "--json"]).output
        let roundTrip = try Self.run(["loss", "describe", "-", "--json"], input: exported.output).output
        let fingerprint = { (s: String) in (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?["fingerprint"] as? String }
        #expect(fingerprint(original) != nil)
        #expect(fingerprint(original) == fingerprint(roundTrip))
    }

    /// Sr-DPO (seed 004) through evoctl: described, exported in every format, evaluated where the task
    /// has a quality prompt, and refused with the input and the member named where it has none.
    @Test func srDPOIsDescribedExportedAndEvaluatedOnlyWhereTheTaskHasAQualityPrompt() throws {
        let (status, described) = try Self.run(["loss", "describe", "losses/sr_dpo.loss", "--json"])
        #expect(status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(described.utf8)) as? [String: Any])
        #expect(json["valid"] as? Bool == true && json["descriptors"] != nil)
        for format in ["pytorch", "trl", "latex", "loss"] {
            let (exported, text) = try Self.run(["loss", "export", "losses/sr_dpo.loss", "--format", format])
            #expect(exported == 0 && (text.contains("pca") || text.contains("quality") || text.contains("p \\oplus x")), "\(format)")
        }
        let task = FileManager.default.temporaryDirectory.appendingPathComponent("evod-quality-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: task) }
        try "\(SmallTask.prefbandit)\nquality_strength = 1.0\n[stage1]\nbetas = [0.1]\nseeds = [5]\n".write(to: task, atomically: true, encoding: .utf8)
        let (evaluated, result) = try Self.run(["loss", "eval", "losses/sr_dpo.loss", "--task", task.path, "--stage", "1", "--json"])
        #expect(evaluated == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any])
        #expect(report["fitness"] as? Double != nil, "\(result)")
        let (_, refused) = try Self.run(["loss", "eval", "losses/sr_dpo.loss", "--stage", "1", "--json"])
        let failure = try #require(try JSONSerialization.jsonObject(with: Data(refused.utf8)) as? [String: Any])
        let reason = try #require(failure["failed"] as? String)
        #expect(reason.contains("pca") && reason.contains("noisy-wide") && reason.contains("quality_strength"))
    }

    /// Every file in `losses/` is the library's loss of its name, and every distinct standard loss has its file.
    @Test func shippedLossFilesAreTheLibrarysStandardLosses() throws {
        let folder = Self.root.appendingPathComponent("losses")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".loss") }.map { String($0.dropLast(5)) }
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent("\(name).loss"), encoding: .utf8)
            #expect(try LossParser.parse(text).graph == StandardLosses.named(name)?.graph, "losses/\(name).loss")
        }
        #expect(Set(names) == Set((StandardLosses.distinct + StandardLosses.qualityPrompted).map(\.name)), "losses/ against the standard losses")
    }

    @Test func evalJSONHasTheDocumentedKeysPerRunAndOverall() throws {
        let task = FileManager.default.temporaryDirectory.appendingPathComponent("evod-small-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: task) }
        try """
        \(SmallTask.prefbandit)
        [stage1]
        betas = [0.1]
        seeds = [5]
        [stage2]
        betas = [0.1, 1.0]
        seeds = [5, 6]
        starts = ["exact", "perturbed"]
        """.write(to: task, atomically: true, encoding: .utf8)
        let (status, output) = try Self.run(["loss", "eval", "losses/dpo.loss", "--task", task.path, "--json"])
        #expect(status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["fitness", "stage", "failed", "metrics", "members", "runs", "seconds", "setup_seconds"])
        #expect((json["setup_seconds"] as? Double ?? -1) > 0, "the task instances' set-up is timed apart")
        #expect(json["stage"] as? Int == 2)
        #expect(json["failed"] is NSNull)
        let metricKeys: Set<String> = ["frontier_efficiency", "reward", "kl", "win_rate", "ranking_accuracy", "ideal_ranking_accuracy"]
        #expect(Set((json["metrics"] as? [String: Double] ?? [:]).keys) == metricKeys)
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.count == 8)
        #expect(runs.allSatisfy { Set($0.keys) == metricKeys.union(["member", "beta", "seed", "start"]) })
        let text = try Self.run(["loss", "eval", "losses/dpo.loss", "--task", task.path]).output
        #expect(text.contains("  perturbed  ") && text.contains("  exact      "), "the start column is cut:\n\(text)")
        #expect(text.contains("(training and scoring; building the task instances before took "), "\(text)")
        let stageOne = try Self.run(["loss", "eval", "losses/dpo.loss", "--task", task.path, "--stage", "1", "--json"])
        #expect(stageOne.output.contains("\"stage\":1"))
        #expect(try Self.run(["loss", "eval", "losses/dpo.loss", "--task", "/nonexistent.toml"]).status != 0)
    }

    @Test func ctrlCDuringACommandTaskKillsTheCommandAndExits130() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-evoctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let record = directory.appendingPathComponent("running.txt").path
        let script = directory.appendingPathComponent("train.sh").path
        try """
        #!/bin/sh
        echo "$(dirname "$1")" > "$2.partial" && mv "$2.partial" "$2"
        sleep 987651 &
        wait

        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let task = directory.appendingPathComponent("task.toml").path
        try """
        type = "command"
        [command]
        argv = ["\(script)", "{file}", "\(record)"]
        timeout_seconds = 600
        """.write(toFile: task, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = Self.evoctl
        process.arguments = ["loss", "eval", "losses/dpo.loss", "--task", task, "--json"]
        process.currentDirectoryURL = Self.root
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: record), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let files = try String(contentsOfFile: record, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ProcessProbe.startsRunning("sleep 987651"))

        Self.signal(process, SIGINT, "Ctrl-C")  // as the terminal's Ctrl-C does to evoctl (not to the command's group)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        #expect(process.terminationStatus == 130)
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect((json["failed"] as? String)?.hasPrefix("interrupted") == true)
        #expect(try !ProcessProbe.running("sleep 987651"), "the command outlived evoctl")
        #expect(!FileManager.default.fileExists(atPath: files), "evoctl left the command's files behind")
    }

    @Test func sigtermDuringAResidentCommandsJobLeavesNoChild() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-evoctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let marker = "evod-resident-sigterm-\(UUID().uuidString)"
        let script = Self.root.appendingPathComponent("Tests/EvaluationTests/Scripts/resident.py").path
        let task = directory.appendingPathComponent("task.toml").path
        // Seed 14: the scripted command hangs in the job.
        try """
        type = "command"
        [command]
        argv = ["\(script)", "\(marker)"]
        resident = true
        timeout_seconds = 600
        [stage1]
        seeds = [14]
        """.write(toFile: task, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = Self.evoctl
        process.arguments = ["loss", "eval", "losses/dpo.loss", "--task", task, "--stage", "1"]
        process.currentDirectoryURL = Self.root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(try ProcessProbe.startsRunning(marker, within: 30))
        Thread.sleep(forTimeInterval: 0.5)  // into its job, most likely; before it is as good
        Self.signal(process, SIGTERM, "SIGTERM")
        #expect(process.terminationStatus == 130)
        #expect(try !ProcessProbe.running(marker), "the resident command outlived evoctl")
    }

    /// Sends `signal` to a running evoctl and waits up to 15 s for it to exit (then kills it, and the test fails).
    static func signal(_ process: Process, _ signal: Int32, _ name: String) {
        kill(process.processIdentifier, signal)
        let stopBy = Date().addingTimeInterval(15)
        while process.isRunning, Date() < stopBy { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("evoctl was still running 15 s after \(name)")
        }
        process.waitUntilExit()
    }
}
