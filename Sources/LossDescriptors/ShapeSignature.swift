import LossLanguage
import Model

/// What two losses are compared by before training: their descriptors and their normalised slope
/// profile on the canonical slice. Two losses whose descriptors lie within ``descriptorWindow`` on
/// every axis and whose profiles lie within a small distance train alike (a rescaling or a
/// constant tweak), whatever their code looks like.
public struct ShapeSignature: Sendable, Hashable {
    public let descriptors: Descriptors
    public let profile: SlopeProfile

    /// How far apart two near-repeats' descriptors may be on each axis.
    public static let descriptorWindow = 0.05

    public init(descriptors: Descriptors, profile: SlopeProfile) { (self.descriptors, self.profile) = (descriptors, profile) }

    /// The signature of a loss; throws where its slope is not finite on the probe.
    public init(of graph: LossGraph) throws(DescriptorError) {
        self.init(descriptors: try Descriptors(of: graph), profile: try SlopeProfile(of: graph))
    }

    /// Whether `other`'s descriptors lie within the window on every axis (the cheap first test).
    public func isClose(to other: Descriptors) -> Bool {
        abs(descriptors.convexity - other.convexity) <= Self.descriptorWindow && abs(descriptors.grad0 - other.grad0) <= Self.descriptorWindow
            && abs(descriptors.betaSensitivity - other.betaSensitivity) <= Self.descriptorWindow
    }

    /// The profile distance to `other` when it is a near-repeat within `tolerance`, else nil.
    public func nearness(to other: ShapeSignature, tolerance: Double) -> Double? {
        guard tolerance > 0, isClose(to: other.descriptors) else { return nil }
        let distance = profile.distance(to: other.profile)
        return distance <= tolerance ? distance : nil
    }
}
