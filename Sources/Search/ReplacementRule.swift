/// When a child replaces the elite of its archive cell.
///
/// A cell follows its best child. Gains far below the noise of the fitness let it follow ever
/// larger near-copies of its elite: in a single cell the losses bloated to the language's size
/// limit and an evaluation took 7 times as long (docs/results/2026-12-05-ablations.md). A plain margin stops that
/// but freezes the cell; a growth margin taxes only the growth, so a child no larger than its
/// elite still replaces it on any gain.
public struct ReplacementRule: Sendable, Hashable {
    /// The fitness gain every child needs over the elite (0: strictly better).
    public var margin: Double
    /// The further gain a child needs when its canonical form is longer than the elite's.
    public var growthMargin: Double

    public init(margin: Double = 0, growthMargin: Double = 0) {
        (self.margin, self.growthMargin) = (margin, growthMargin)
    }

    /// Strictly better replaces, whatever the sizes: the rule every ablation arm was measured with.
    public static let strict = ReplacementRule()

    /// The gain over the elite a child of `size` needs; a size that is not known is not growth.
    public func requiredGain(childSize: Int?, eliteSize: Int?) -> Double {
        guard let childSize, let eliteSize, childSize > eliteSize else { return margin }
        return margin + growthMargin
    }
}
