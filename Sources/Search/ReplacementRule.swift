/// When a child replaces the elite of its archive cell.
///
/// A cell follows its best child. Gains far below the noise of the fitness let it follow ever
/// larger near-copies of its elite: in a single cell the losses bloated to the language's size
/// limit and an evaluation took 7 times as long (docs/results/2026-12-05-ablations.md). A plain margin stops that
/// but freezes the cell; a growth margin taxes only the growth, so a child no larger than its
/// elite still replaces it on any gain.
///
/// Parsimony goes further: where the fitness difference between child and elite lies within
/// `parsimony` paired standard errors (the two are equal within noise), the smaller loss (fewer nodes in its canonical graph)
/// wins, whichever is fitter by a hair; a larger child must beat the elite by more than the noise.
/// A constant is one node whatever its digits: tuning one is not growth.
public struct ReplacementRule: Sendable, Hashable {
    /// The fitness gain every child needs over the elite (0: strictly better).
    public var margin: Double
    /// The further gain a child needs when it is larger than the elite (more canonical nodes).
    public var growthMargin: Double
    /// How many paired standard errors of the difference count as "equal within noise" (0: off).
    public var parsimony: Double

    public init(margin: Double = 0, growthMargin: Double = 0, parsimony: Double = 0) {
        (self.margin, self.growthMargin, self.parsimony) = (margin, growthMargin, parsimony)
    }

    /// Whether a child replaces `incumbent`; `noise` is the paired standard error of their fitness
    /// difference (nil or not finite where it is not known: then only the margins decide).
    public func replaces(fitness: Double, size: Int?, incumbent: Elite, noise: Double?) -> Bool {
        let gain = fitness - incumbent.fitness
        if parsimony > 0, let noise, noise.isFinite, noise > 0, abs(gain) <= parsimony * noise,
            let size, let eliteSize = incumbent.size, size != eliteSize
        {
            return size < eliteSize
        }
        return gain > requiredGain(childSize: size, eliteSize: incumbent.size)
    }

    /// Strictly better replaces, whatever the sizes: the rule every ablation arm was measured with.
    public static let strict = ReplacementRule()

    /// The gain over the elite a child of `size` needs; a size that is not known is not growth.
    public func requiredGain(childSize: Int?, eliteSize: Int?) -> Double {
        guard let childSize, let eliteSize, childSize > eliteSize else { return margin }
        return margin + growthMargin
    }
}
