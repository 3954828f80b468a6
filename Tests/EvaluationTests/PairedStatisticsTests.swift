import Evaluation
import Foundation
import Testing

/// Paired differences, Student t p-values, Holm's correction and validation verdicts, against
/// cases worked by hand.
struct PairedStatisticsTests {
    static func scores(_ values: [UInt64: Double], member: String = "m", weight: Double = 1) -> SeedScores {
        SeedScores(members: [member: values], weights: [member: weight])
    }

    @Test func aPairedDifferenceOverTwoSeedsHasTheCauchyTail() {
        // Differences 0.1 and 0.3: mean 0.2, sd 0.1414, SE 0.1, t = 2 on 1 degree of freedom,
        // where Student t is Cauchy: p = 1 - (2 / pi) atan(2) = 0.295167.
        let a = Self.scores([1: 0.5, 2: 0.7]), b = Self.scores([1: 0.4, 2: 0.4])
        let d = a.difference(to: b)
        #expect(abs(d.value - 0.2) < 1e-12 && abs(d.standardError - 0.1) < 1e-12 && d.degreesOfFreedom == 1)
        #expect(abs(d.zScore - 2) < 1e-9)
        #expect(abs(d.pValue - (1 - 2 / Double.pi * atan(2))) < 1e-9)
    }

    @Test func twoDegreesOfFreedomHaveTheirClosedForm() {
        // Differences 0.1, 0.2, 0.6: mean 0.3, sd sqrt(0.07), SE sqrt(0.07 / 3); with 2 degrees of
        // freedom p = 1 - |t| / sqrt(2 + t^2).
        let d = Self.scores([1: 0.1, 2: 0.2, 3: 0.6]).difference(to: Self.scores([1: 0, 2: 0, 3: 0]))
        let t = 0.3 / (0.07 / 3).squareRoot()
        #expect(abs(d.zScore - t) < 1e-9)
        #expect(abs(d.pValue - (1 - t / (2 + t * t).squareRoot())) < 1e-9)
        // The 95% interval uses t(0.975, 2) = 4.302653.
        #expect(abs(d.interval95.upperBound - (0.3 + 4.302653 * (0.07 / 3).squareRoot())) < 1e-5)
    }

    @Test func aSuitesDifferenceWeighsItsMembers() {
        // Member a (weight 1): differences 0.1, 0.3 (mean 0.2, SE 0.1); member b (weight 3):
        // differences 0, 0.2 (mean 0.1, SE 0.1). Suite: 0.25 * 0.2 + 0.75 * 0.1 = 0.125,
        // SE sqrt(0.25^2 * 0.01 + 0.75^2 * 0.01) = 0.0790569; Welch-Satterthwaite df =
        // (0.000625 + 0.005625)^2 / (0.000625^2 + 0.005625^2) = 1.219512.
        let mine = SeedScores(members: ["a": [1: 0.1, 2: 0.3], "b": [1: 0, 2: 0.2]], weights: ["a": 1, "b": 3])
        let zero = SeedScores(members: ["a": [1: 0, 2: 0], "b": [1: 0, 2: 0]], weights: ["a": 1, "b": 3])
        let d = mine.difference(to: zero)
        #expect(abs(d.value - 0.125) < 1e-12)
        #expect(abs(d.standardError - 0.0790569415) < 1e-9)
        #expect(abs(d.degreesOfFreedom - 1.219512195) < 1e-6)
        #expect(d.count == 4)
    }

    @Test func identicalLossesAreIdenticalNotNan() {
        let a = Self.scores([1: 0.9, 2: 0.8, 3: 0.85])
        let d = a.difference(to: a)
        #expect(d.value == 0 && d.standardError == 0 && d.zScore == 0 && d.pValue == 1)
    }

    /// One seed: the difference has no spread to estimate, so it is no evidence (p = 1), and its
    /// z is unknown, not an infinite number of SE.
    @Test func oneSeedIsNoEvidence() {
        let d = Self.scores([1: 0.9]).difference(to: Self.scores([1: 0.8]))
        #expect(abs(d.value - 0.1) < 1e-12 && d.standardError.isNaN)
        #expect(d.zScore.isNaN && d.pValue == 1)
    }

    @Test func holmsCorrectionStepsDown() {
        // Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> raised to 0.06.
        let adjusted = holmAdjusted([0.01, 0.04, 0.03, 0.005])
        for (x, y) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { #expect(abs(x - y) < 1e-12) }
        #expect(holmAdjusted([0.6, 0.5]) == [1, 1])
    }

    @Test func validationComparesWithDPOAndTheBestStandardLossAndCorrectsOverTheTable() throws {
        // One member and one transfer task, 4 seeds each. "mine" beats ipo (the best standard loss on
        // the member) by 0.05 +- tiny noise, and DPO on the transfer task.
        let seeds: [UInt64] = [1, 2, 3, 4]
        func s(_ task: String, _ base: Double, _ noise: [Double]) -> SeedScores {
            SeedScores(members: [task: Dictionary(uniqueKeysWithValues: zip(seeds, noise.map { base + $0 }))], weights: [task: 1])
        }
        let jitter = [0.001, -0.001, 0.002, -0.002]
        let scores: [String: [String: SeedScores]] = [
            "m": [
                "dpo": s("m", 0.80, [0, 0.01, 0.02, 0.03]), "ipo": s("m", 0.85, [0, 0.01, 0.02, 0.03]),
                "mine": s("m", 0.90, zip([0, 0.01, 0.02, 0.03], jitter).map(+)),
            ],
            "t": [
                "dpo": s("t", 0.50, [0, 0.01, 0.02, 0.03]), "ipo": s("t", 0.49, [0, 0.01, 0.02, 0.03]),
                "mine": s("t", 0.60, zip([0, 0.01, 0.02, 0.03], jitter).map(+)),
            ],
        ]
        let report = ValidationReport(
            tasks: [("m", .member), ("t", .transfer)],
            losses: [("dpo", true), ("ipo", true), ("mine", false)], scores: scores, failures: [:])
        #expect(report.rows.count == 6)
        let mineOnMember = try #require(report.rows.first { $0.task == "m" && $0.loss == "mine" })
        #expect(mineOnMember.bestStandard == "ipo")
        #expect(abs((mineOnMember.versusBestStandard?.value ?? 0) - 0.05) < 1e-12)
        // Holm over the table's comparisons: on m, dpo vs ipo, ipo vs dpo, mine vs both; on t the best
        // standard loss is dpo, so each loss has one comparison there: 4 + 2.
        let raw = report.rows.flatMap { [$0.versusDPO?.pValue, $0.versusBestStandard?.pValue].compactMap { $0 } }
        let adjusted = report.rows.flatMap { [$0.pDPO, $0.pBestStandard].compactMap { $0 } }
        #expect(raw.count == 6 && adjusted == holmAdjusted(raw))
        let verdict = try #require(report.verdicts.first)
        #expect(verdict.loss == "mine" && verdict.discovered, "\(verdict.reasons)")
        // The same loss losing to DPO on the transfer task is not discovered, and says why.
        var worse = scores
        worse["t"]?["mine"] = s("t", 0.40, jitter)
        let second = ValidationReport(
            tasks: [("m", .member), ("t", .transfer)],
            losses: [("dpo", true), ("ipo", true), ("mine", false)], scores: worse, failures: [:])
        #expect(second.verdicts.first?.discovered == false)
        #expect(second.verdicts.first?.reasons.first?.hasPrefix("does not beat dpo on transfer task t") == true)
    }
}
