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
}
