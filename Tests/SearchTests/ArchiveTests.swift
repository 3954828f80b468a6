import LossDescriptors
import LossLanguage
import Model
import PropertyBased
import Search
import Testing

/// MAP-Elites invariants as properties over random insertion sequences.
struct ArchiveTests {
    /// A random insertion sequence: (fitness, descriptors), with ties and out-of-range values.
    static func sequence(seed: Int, length: Int) -> [(Double, Descriptors)] {
        var random = RandomSource(seed: UInt64(seed))
        return (0..<length).map { _ in
            let fitness = (random.uniform() * 20).rounded() / 10 - 0.5  // coarse, so ties happen
            let d = Descriptors(
                convexity: random.uniform() * 2.4 - 1.2, grad0: random.uniform() * 2.4 - 1.2,
                betaSensitivity: random.uniform() * 0.4 - 0.05)
            return (fitness, d)
        }
    }

    @Test func insertionKeepsEveryInvariant() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max), Gen.int(in: 1...300)) { seed, length in
            var archive = Archive(
                bins: DescriptorBins(
                    convexity: BinAxis(lower: -1, upper: 1, count: 3), grad0: BinAxis(lower: -1, upper: 1, count: 3),
                    betaSensitivity: BinAxis(lower: 0, upper: 0.25, count: 2)))
            var best: [Int: (fitness: Double, candidate: Int64)] = [:]
            var counts = (new: 0, improved: 0, notAdded: 0)
            for (i, (fitness, d)) in Self.sequence(seed: seed, length: length).enumerated() {
                let id = Int64(i)
                let outcome = archive.insert(candidate: id, fitness: fitness, descriptors: d)
                let cell = archive.bins.cell(of: d)
                #expect(outcome.cell == cell)
                switch outcome {
                case .new: counts.new += 1; #expect(best[cell] == nil)
                case let .improved(_, previous):
                    counts.improved += 1
                    #expect(fitness > previous.fitness, "an elite was replaced by one no better")
                case let .notAdded(_, incumbent):
                    counts.notAdded += 1
                    #expect(incumbent.fitness >= fitness)
                }
                if best[cell].map({ fitness > $0.fitness }) ?? true { best[cell] = (fitness, id) }
            }
            // Every cell holds the best seen (the first to reach it), and the counts add up.
            #expect(archive.filled == best.count && archive.filled == counts.new)
            #expect(counts.new + counts.improved + counts.notAdded == length)
            for (cell, (fitness, candidate)) in best {
                #expect(archive.elites[cell]?.fitness == fitness && archive.elites[cell]?.candidate == candidate)
            }
            #expect(abs(archive.qdScore(floor: -1) - best.values.reduce(0) { $0 + $1.fitness + 1 }) < 1e-9)
        }
    }

    /// An archive of one cell, as the single-cell ablation arm runs.
    static let singleCell = Archive(
        bins: DescriptorBins(
            convexity: .init(lower: -1, upper: 1, count: 1), grad0: .init(lower: -1, upper: 1, count: 1),
            betaSensitivity: .init(lower: 0, upper: 0.25, count: 1)))

    /// With a margin, a child replaces an occupied cell's elite only by beating it by more than the
    /// margin; an empty cell takes any child.
    @Test func aMarginKeepsTheElitesAgainstGainsNoLargerThanIt() {
        var archive = Self.singleCell
        let d = Descriptors(convexity: 0, grad0: 0, betaSensitivity: 0.1)
        let rule = ReplacementRule(margin: 1e-4)
        #expect(archive.insert(candidate: 1, fitness: 0.68, descriptors: d, rule: rule) == .new(cell: 0))
        let first = Elite(candidate: 1, fitness: 0.68, descriptors: d)
        #expect(archive.insert(candidate: 2, fitness: 0.68005, descriptors: d, rule: rule) == .notAdded(cell: 0, incumbent: first))
        #expect(archive.insert(candidate: 3, fitness: 0.68009, descriptors: d, rule: rule) == .notAdded(cell: 0, incumbent: first))
        #expect(archive.insert(candidate: 4, fitness: 0.6802, descriptors: d, rule: rule) == .improved(cell: 0, previous: first))
        // Without one, the smallest gain replaces.
        #expect(archive.insert(candidate: 5, fitness: 0.680_200_1, descriptors: d).isAdded)
        #expect(archive.elites[0]?.candidate == 5)
    }

    /// With a growth margin, a child longer than the elite needs the margin's gain; one no longer
    /// replaces it on any gain; a size not known is not growth.
    @Test func aGrowthMarginTaxesOnlyChildrenLargerThanTheElite() {
        var archive = Self.singleCell
        let d = Descriptors(convexity: 0, grad0: 0, betaSensitivity: 0.1)
        let rule = ReplacementRule(growthMargin: 1e-4)
        #expect(archive.insert(candidate: 1, fitness: 0.68, descriptors: d, size: 300, rule: rule) == .new(cell: 0))
        let first = Elite(candidate: 1, fitness: 0.68, descriptors: d, size: 300)
        // Longer, a gain within the margin: kept out; beyond it: in.
        #expect(archive.insert(candidate: 2, fitness: 0.68009, descriptors: d, size: 301, rule: rule) == .notAdded(cell: 0, incumbent: first))
        // As long or shorter: any gain replaces, and a tie does not.
        #expect(archive.insert(candidate: 3, fitness: 0.68, descriptors: d, size: 300, rule: rule) == .notAdded(cell: 0, incumbent: first))
        #expect(archive.insert(candidate: 4, fitness: 0.680_000_1, descriptors: d, size: 300, rule: rule) == .improved(cell: 0, previous: first))
        let shorter = Elite(candidate: 5, fitness: 0.680_000_2, descriptors: d, size: 120)
        #expect(archive.insert(candidate: 5, fitness: 0.680_000_2, descriptors: d, size: 120, rule: rule).isAdded)
        #expect(archive.elites[0] == shorter)
        #expect(archive.insert(candidate: 6, fitness: 0.6801, descriptors: d, size: 121, rule: rule) == .notAdded(cell: 0, incumbent: shorter))
        #expect(archive.insert(candidate: 7, fitness: 0.6802, descriptors: d, size: 4_000, rule: rule) == .improved(cell: 0, previous: shorter))
        // An elite of unknown size (placed by a reset of an older store) takes any better child.
        archive.place(Elite(candidate: 8, fitness: 0.69, descriptors: d))
        #expect(archive.insert(candidate: 9, fitness: 0.690_000_1, descriptors: d, size: 9_000, rule: rule).isAdded)
    }

    @Test func defaultBinsAreThoseOfTheDesign() {
        let bins = DescriptorBins.default
        #expect(bins.cellCount == 320)
        // Values past the ends go to the end bins.
        #expect(bins.betaSensitivity.bin(of: 0.3) == 4 && bins.betaSensitivity.bin(of: -0.1) == 0)
        #expect(bins.convexity.bin(of: 1) == 7 && bins.convexity.bin(of: -1) == 0 && bins.grad0.bin(of: 0.01) == 4)
        // Values far outside Int's range, and non-finite ones, are no crash.
        #expect(bins.grad0.bin(of: 1e300) == 7 && bins.grad0.bin(of: -1e300) == 0)
        #expect(bins.grad0.bin(of: .infinity) == 7 && bins.grad0.bin(of: -.infinity) == 0 && bins.grad0.bin(of: .nan) == 0)
        let d = Descriptors(convexity: 1, grad0: -0.5678, betaSensitivity: 0)
        let (c, g, s) = bins.coordinates(of: bins.cell(of: d))
        #expect(c == 7 && g == 1 && s == 0)
    }

    @Test func selectionPicksOnlyFilledCellsAndFollowsItsStrategy() {
        var archive = Archive()
        archive.insert(candidate: 1, fitness: 0.9, descriptors: Descriptors(convexity: 1, grad0: -0.5, betaSensitivity: 0))
        archive.insert(candidate: 2, fitness: 0.1, descriptors: Descriptors(convexity: -1, grad0: 0.5, betaSensitivity: 0.2))
        var random = RandomSource(seed: 5)
        let uniform = archive.select(2_000, strategy: .uniform, random: &random).map(\.elite.candidate)
        #expect(Set(uniform) == [1, 2])
        #expect(abs(Double(uniform.filter { $0 == 1 }.count) / 2_000 - 0.5) < 0.05)
        let proportional = archive.select(2_000, strategy: .fitnessProportional, random: &random).map(\.elite.candidate)
        #expect(proportional.filter { $0 == 1 }.count > 1_700)
        var curiosity = CuriosityCounts()
        let productive = archive.bins.cell(of: Descriptors(convexity: -1, grad0: 0.5, betaSensitivity: 0.2))
        for _ in 0..<20 { curiosity.record(parentCell: productive, childAdded: true) }
        for _ in 0..<20 { curiosity.record(parentCell: archive.bins.cell(of: Descriptors(convexity: 1, grad0: -0.5, betaSensitivity: 0)), childAdded: false) }
        let curious = archive.select(2_000, strategy: .curiosity, curiosity: curiosity, random: &random).map(\.elite.candidate)
        #expect(curious.filter { $0 == 2 }.count > 1_700)
        #expect(Archive().select(3, strategy: .uniform, random: &random).isEmpty)
    }

    @Test func frontierTargetsAreEmptyCellsNextToFilledOnes() {
        var archive = Archive()
        #expect(archive.frontierTargets.count == archive.bins.cellCount, "an empty archive: every cell")
        let dpo = Descriptors(convexity: 1, grad0: -0.5678, betaSensitivity: 0)
        _ = archive.insert(candidate: 1, fitness: 0.9, descriptors: dpo)
        let targets = archive.frontierTargets
        let home = archive.bins.coordinates(of: archive.bins.cell(of: dpo))
        #expect(!targets.isEmpty && !targets.contains { $0.cell == archive.bins.cell(of: dpo) })
        for target in targets {
            let (c, g, s) = archive.bins.coordinates(of: target.cell)
            #expect(abs(c - home.convexity) <= 1 && abs(g - home.grad0) <= 1 && abs(s - home.betaSensitivity) <= 1)
            #expect(archive.bins.cell(of: target.descriptors) == target.cell, "a target's descriptors are its cell's centre")
        }
        #expect(targets.count == 2 * 3 * 2 - 1, "C and S at their edge bins, g0 inside")
    }
}

/// Parsimony: within the noise the shorter loss holds the cell; beyond it, fitness decides.
struct ParsimonyTests {
    let shape = Descriptors(convexity: 0.5, grad0: -0.5, betaSensitivity: 0)

    @Test func theShorterOfTwoEqualLossesWinsAndNotTheShorterOfTwoUnequal() {
        let rule = ReplacementRule(parsimony: 1)
        var cases = 0
        // An elite of size 100 and fitness 0.5; children by (fitness, size, noise) and whether they replace it.
        let expectations: [(Double, Int, Double?, Bool)] = [
            (0.499, 60, 0.002, true),  // shorter, worse within noise: shorter wins
            (0.501, 140, 0.002, false),  // longer, better within noise: must pay for its growth
            (0.490, 60, 0.002, false),  // shorter but worse beyond noise: fitness decides
            (0.510, 140, 0.002, true),  // longer but better beyond noise
            (0.501, 100, 0.002, true),  // same size: any gain, as before
            (0.499, 60, nil, false),  // noise unknown: the margins alone (strictly better)
            (0.499, 60, .nan, false),
        ]
        for (fitness, size, noise, replaces) in expectations {
            var archive = Archive()
            archive.insert(candidate: 1, fitness: 0.5, descriptors: shape, size: 100, rule: rule)
            let outcome = archive.insert(candidate: 2, fitness: fitness, descriptors: shape, size: size, rule: rule, noise: noise)
            #expect(outcome.isAdded == replaces, "child \(fitness) size \(size) noise \(String(describing: noise))")
            #expect(archive.elites.values.first?.candidate == (replaces ? 2 : 1))
            cases += 1
        }
        #expect(cases == 7)
        // Off (the ablations' strict rule): a shorter, worse child never replaces.
        var strict = Archive()
        strict.insert(candidate: 1, fitness: 0.5, descriptors: shape, size: 100)
        #expect(!strict.insert(candidate: 2, fitness: 0.499, descriptors: shape, size: 60, noise: 0.002).isAdded)
    }
}
