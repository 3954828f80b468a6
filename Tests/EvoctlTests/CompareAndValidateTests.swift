import Foundation
import TestSupport
import Testing

/// `evoctl loss compare` and `evoctl validate` as a user runs them, on a small two-member suite.
struct CompareAndValidateTests {
    /// A two-member suite small enough for debug builds, with a transfer task.
    static let suite = """
        type = "suite"
        \(SmallTask.prefbandit)
        [stage1]
        betas = [0.1]
        seeds = [1]
        [stage2]
        betas = [0.1, 1.0]
        seeds = [1, 2, 3]
        [seeds]
        confirmation = "11-13"
        heldout = "21-26"
        [[member]]
        name = "clean"
        [[member]]
        name = "noisy"
        weight = 2
        [member.prefbandit]
        label_noise = 0.2
        [[validation]]
        name = "few"
        [validation.prefbandit]
        pairs = 32
        """

    static func withSuite<T>(_ body: (String, URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-compare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = directory.appendingPathComponent("suite.toml")
        try suite.write(to: task, atomically: true, encoding: .utf8)
        return try body(task.path, directory)
    }

    @Test func twoSpellingsOfOneLossCompareAsIdenticalAndNothingPrintsNan() throws {
        try Self.withSuite { task, directory in
            let same = directory.appendingPathComponent("same.loss")
            try "-logsigmoid(rho * beta)\n".write(to: same, atomically: true, encoding: .utf8)
            let (status, output) = try LossCommandTests.run(["loss", "compare", "losses/dpo.loss", same.path, "losses/ipo.loss", "--task", task])
            #expect(status == 0)
            let sameRows = output.split(separator: "\n").filter { $0.hasPrefix("| same |") }
            #expect(sameRows.count == 3, "the suite's table and one per member:\n\(output)")
            #expect(sameRows.allSatisfy { $0.contains("| +0.0000 | 0.0000 | 0.0 (identical) |") }, "\(output)")
            #expect(output.contains("member noisy (weight 2):"))
            #expect(!output.lowercased().contains("nan"), "\(output)")
            // One seed (stage 1): no spread to estimate, so no SE, and still no nan.
            let one = try LossCommandTests.run(["loss", "compare", "losses/dpo.loss", "losses/ipo.loss", "--task", task, "--stage", "1"])
            #expect(one.status == 0 && one.output.contains("n/a") && !one.output.lowercased().contains("nan"), "\(one.output)")
        }
    }

    @Test func evalPrintsEachMembersFitness() throws {
        try Self.withSuite { task, _ in
            let (status, output) = try LossCommandTests.run(["loss", "eval", "losses/dpo.loss", "--task", task, "--json"])
            #expect(status == 0)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let members = try #require(json["members"] as? [[String: Any]])
            #expect(members.map { $0["name"] as? String } == ["clean", "noisy"])
            let fitness = try #require(json["fitness"] as? Double)
            let parts = members.map { ($0["weight"] as? Double ?? 0, $0["fitness"] as? Double ?? .nan) }
            #expect(abs(fitness - (parts[0].0 * parts[0].1 + parts[1].0 * parts[1].1) / 3) < 1e-12)
            let text = try LossCommandTests.run(["loss", "eval", "losses/dpo.loss", "--task", task]).output
            #expect(text.contains("member noisy (weight 2): fitness"))
        }
    }

    @Test func validateReportsEveryTaskWithHolmCorrectedPValuesAndAForestPlot() throws {
        try Self.withSuite { task, directory in
            let candidate = directory.appendingPathComponent("mine.loss")
            try "0.5 * -logsigmoid(beta * rho) + 0.5 * (rho - 1 / (2 * beta)) ** 2\n".write(to: candidate, atomically: true, encoding: .utf8)
            let svg = directory.appendingPathComponent("forest.svg").path
            let (status, output) = try LossCommandTests.run([
                "validate", candidate.path, "--task", task, "--json", "--svg", svg,
                "--config", "/nonexistent.toml",
            ])
            #expect(status == 0)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(Set(rows.compactMap { $0["task"] as? String }) == ["clean", "noisy", "few", "suite"])
            let mine = rows.filter { $0["loss"] as? String == "mine" }
            #expect(mine.count == 4)
            // Every loss with a difference to DPO has a Holm-adjusted p-value in [0, 1].
            for row in rows where row["loss"] as? String != "dpo" {
                let p = try #require(row["pDPO"] as? Double, "\(row)")
                #expect(p >= 0 && p <= 1)
            }
            let verdicts = try #require(json["verdicts"] as? [[String: Any]])
            #expect(verdicts.count == 1 && verdicts[0]["loss"] as? String == "mine")
            let plot = try String(contentsOfFile: svg, encoding: .utf8)
            #expect(plot.hasPrefix("<svg") && plot.contains(">mine<") && plot.contains(">few<"))
        }
    }

    @Test func transferTaskFilesJoinTheSuitesTransferTasksUnderTheirFileName() throws {
        try Self.withSuite { task, directory in
            let extra = directory.appendingPathComponent("wide-noisy.toml")
            try "\(SmallTask.prefbandit)\nlabel_noise = 0.2\n[stage2]\nbetas = [0.1]\nseeds = [1]\n[seeds]\nheldout = [31, 32]\n"
                .write(to: extra, atomically: true, encoding: .utf8)
            let (status, output) = try LossCommandTests.run([
                "validate", "--task", task, "--transfer", extra.path, "--json",
                "--config", "/nonexistent.toml",
            ])
            #expect(status == 0, "\(output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(Set(rows.compactMap { $0["task"] as? String }) == ["clean", "noisy", "few", "wide-noisy", "suite"])
            let transfer = rows.filter { $0["task"] as? String == "wide-noisy" }
            #expect(transfer.allSatisfy { ($0["fitness"] as? [String: Any])?["count"] as? Int == 2 }, "\(transfer)")
            let (clash, _) = try LossCommandTests.run([
                "validate", "--task", task, "--transfer", extra.path, "--transfer", extra.path,
                "--config", "/nonexistent.toml",
            ])
            #expect(clash != 0, "the same transfer task twice must be refused")
        }
    }

    @Test func aCascadeValidatesOnStageThreesHeldOutSeedsAndSaysHowTheRankingsAgree() throws {
        try Self.withSuite { task, directory in
            // Stage 3: a scripted "real" task scoring a loss by how short its export is, with seeds of its own.
            let real = directory.appendingPathComponent("real.toml")
            try """
            type = "command"
            [command]
            argv = ["/bin/sh", "-c", "n=$(wc -c < \\"$0\\"); awk -v n=\\"$n\\" -v s=\\"$2\\" 'BEGIN { printf \\"{\\\\\\"fitness\\\\\\": %.9f}\\", 100 / n + s / 1000 }' > \\"$3\\"", "{file}", "{beta}", "{seed}", "{output}"]
            [stage2]
            betas = [0.1]
            seeds = [1]
            [seeds]
            confirmation = [31]
            heldout = [41, 42, 43]
            """.write(to: real, atomically: true, encoding: .utf8)
            let cascade = directory.appendingPathComponent("cascade.toml")
            try "type = \"cascade\"\n[cascade]\nstage2 = \"\(URL(fileURLWithPath: task).lastPathComponent)\"\nstage3 = \"real.toml\"\n"
                .write(to: cascade, atomically: true, encoding: .utf8)
            let candidate = directory.appendingPathComponent("mine.loss")
            try "-logsigmoid(beta * rho) + 0.01 * rho ** 2\n".write(to: candidate, atomically: true, encoding: .utf8)
            let (status, output) = try LossCommandTests.run(["validate", candidate.path, "--task", cascade.path, "--json", "--config", "/nonexistent.toml"])
            #expect(status == 0, "\(output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(Set(rows.compactMap { $0["task"] as? String }) == ["clean", "noisy", "few", "real", "suite"])
            let realRows = rows.filter { $0["task"] as? String == "real" }
            #expect(realRows.allSatisfy { $0["kind"] as? String == "confirmation" && ($0["fitness"] as? [String: Any])?["count"] as? Int == 3 })
            let agreements = try #require(json["agreements"] as? [[String: Any]])
            let correlation = try #require(agreements.first?["correlation"] as? [String: Any])
            #expect(agreements.count == 1 && agreements.first?["task"] as? String == "real")
            #expect(correlation["count"] as? Int == realRows.count && correlation["rho"] is Double)
            // The candidate's export is longer than DPO's: the scripted real task ranks it below, so it is not discovered.
            let verdicts = try #require(json["verdicts"] as? [[String: Any]])
            let reasons = try #require(verdicts.first?["reasons"] as? [String])
            #expect(reasons.contains { $0.hasPrefix("does not beat dpo on stage-3 task real") }, "\(reasons)")
            let text = try LossCommandTests.run(["validate", candidate.path, "--task", cascade.path, "--config", "/nonexistent.toml"]).output
            #expect(text.contains("### stage-3 task real (the cascade's confirmation), held-out seeds"))
            #expect(text.contains("### the search's fitness against real") && text.contains("Spearman's rank correlation over the"), "\(text)")
        }
    }

    @Test func validateAgainstSomeStandardLossesOnlyTrainsThoseAndDPO() throws {
        try Self.withSuite { task, directory in
            let candidate = directory.appendingPathComponent("mine.loss")
            try "-logsigmoid(beta * rho) + 0.01 * rho ** 2\n".write(to: candidate, atomically: true, encoding: .utf8)
            let (status, output) = try LossCommandTests.run([
                "validate", candidate.path, "--task", task, "--standard", "ipo", "--json", "--config", "/nonexistent.toml",
            ])
            #expect(status == 0, "\(output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let rows = try #require(json["rows"] as? [[String: Any]])
            #expect(Set(rows.compactMap { $0["loss"] as? String }) == ["dpo", "ipo", "mine"])
            let unknown = try ProcessOutput.run(
                LossCommandTests.evoctl.path, ["validate", candidate.path, "--task", task, "--standard", "dpo,nope", "--config", "/nonexistent.toml"],
                in: LossCommandTests.root, keeping: .error)
            #expect(unknown.status != 0 && unknown.text.contains("--standard: no standard loss 'nope'"), "\(unknown.text)")
        }
    }
}
