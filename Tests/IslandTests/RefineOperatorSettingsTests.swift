import Cluster
import LossLanguage
import Model
import Search
import Testing

/// An island draws the `refine` operator (seed 004) only where its task supplies the quality
/// prompt; elsewhere its draws are those of before the operator existed.
struct RefineOperatorSettingsTests {
    @Test func refineIsDrawnOnlyWhereTheTaskSuppliesTheQualityPrompt() throws {
        let settings = IslandSettings(id: 1, seed: 9)
        var (plain, quality) = (0, 0)
        for seed in UInt64(0)..<400 {
            var a = RandomSource(seed: seed), b = RandomSource(seed: seed)
            if settings.mutationProposer.propose([StandardLosses.dpo.graph], random: &a)?.operation == .refine { plain += 1 }
            if settings.mutationProposer(qualityInputs: true).propose([StandardLosses.dpo.graph], random: &b)?.operation == .refine { quality += 1 }
        }
        #expect(plain == 0)
        #expect(quality > 10, "refine drawn \(quality) times in 400")
    }

    @Test func withoutTheQualityPromptTheDrawsAreThoseOfTheOldOperatorSet() throws {
        var weights = MutationProposer.defaultWeights
        weights[.refine] = nil
        let old = MutationProposer(weights: weights)
        for seed in UInt64(0)..<50 {
            var a = RandomSource(seed: seed), b = RandomSource(seed: seed)
            #expect(IslandSettings(id: 1).mutationProposer.propose([StandardLosses.dpo.graph], random: &a) == old.propose([StandardLosses.dpo.graph], random: &b))
        }
    }
}
