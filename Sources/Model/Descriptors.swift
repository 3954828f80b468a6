/// The three loss-shape descriptors of docs/architecture.md §4, the axes of the quality-diversity archive.
public struct Descriptors: Sendable, Hashable, Codable {
    /// C in [-1, 1]: positive minus negative curvature mass of l_0.05 over their sum; 1 = convex.
    public var convexity: Double
    /// g0 in [-1, 1]: the slope at 0 over the largest slope with |x| <= 2.
    public var grad0: Double
    /// S in [0, 1]: how much the normalised slope profile changes across betas; 0 for f(beta * rho).
    public var betaSensitivity: Double

    public init(convexity: Double, grad0: Double, betaSensitivity: Double) {
        (self.convexity, self.grad0, self.betaSensitivity) = (convexity, grad0, betaSensitivity)
    }

    enum CodingKeys: String, CodingKey {
        case convexity, grad0, betaSensitivity = "beta_sensitivity"
    }
}
