import Evaluation
import Foundation
import Island
import Testing

/// An elite's size for parsimony is the structure of its loss, not the text of its constants.
struct CandidateSizeTests {
    /// A single cell with parsimony froze at sppo_hard when size was the canonical form's characters:
    /// each tuned constant (0.5 to 0.424) was two characters "longer", so no child within the noise
    /// could take the cell, and every later child was a near-repeat of the one elite.
    @Test func aConstantsDigitsAreNotGrowthAndANewTermIs() throws {
        let size = { (canonical: String) in try #require(CandidateRecord.size(ofCanonical: canonical)) }
        let elite = try size("t1 = 0.5 / beta; (pr - rr + t1) ** 2 + (pc - rc - t1) ** 2")
        #expect(try size("t1 = 0.424 / beta; (pc - rc - t1) ** 2 + (pr - rr + t1) ** 2") == elite)
        #expect(try size("t1 = 0.4237519 / beta; (pc - rc - t1) ** 2 + (pr - rr + t1) ** 2") == elite)
        #expect(try size("t1 = 0.5 / beta; (pr - rr + t1) ** 2 + (pc - rc - t1) ** 2 + 0.1 * -logsigmoid(beta * (pc - rc))") > elite)
        // Equal subexpressions are counted once, as the canonical graph shares them.
        #expect(try size("-logsigmoid(beta * rho) + -logsigmoid(beta * rho)") < size("-logsigmoid(beta * rho) + -logsigmoid(beta * (pc - rc))"))
        #expect(CandidateRecord.size(ofCanonical: "not a loss") == nil)
    }
}

/// What parsimony weighs a child against: the elite's per-seed scores, as the store keeps them.
struct SeedScoresStoreTests {
    @Test func everyEvaluatedCandidateKeepsItsSeedScoresAndTheyPairIntoANoise() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evod-seed-scores-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try IslandEngine(settings: IslandEngineTests.settings(), store: try IslandStore(path: path), evaluator: IslandEngineTests.task.makeEvaluator())
        try engine.runGeneration()
        let evaluated = try engine.store.candidates(status: .evaluated)
        #expect(evaluated.count >= 2)
        for record in evaluated {
            let id = try #require(record.id)
            let scores = try #require(try engine.store.seedScores(candidate: id), "candidate \(id) has no seed scores")
            #expect(scores == record.seedScores && !scores.members.isEmpty)
        }
        let (a, b) = (try #require(evaluated[0].seedScores), try #require(evaluated[1].seedScores))
        let noise = a.difference(to: b).standardError
        #expect(noise.isFinite && noise > 0, "\(noise)")
        #expect(try engine.store.seedScores(candidate: 999_999) == nil)
    }
}
