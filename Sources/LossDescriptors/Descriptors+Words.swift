import Model

extension Descriptors {
    /// The shape in words, for an LLM: "convex, pushes rho up at rho = 0, its shape does not change
    /// with beta". The thresholds follow the known values of docs/architecture.md §4 (DPO: convex, g0 -0.57).
    public var words: String {
        [Self.convexityWords(convexity), Self.slopeWords(grad0), Self.betaWords(betaSensitivity)].joined(separator: ", ")
    }

    static func convexityWords(_ c: Double) -> String {
        switch c {
        case 0.75...: "convex"
        case 0.25..<0.75: "mostly convex"
        case -0.25..<0.25: "neither convex nor concave"
        case -0.75..<(-0.25): "mostly concave"
        default: "concave"
        }
    }

    static func slopeWords(_ g: Double) -> String {
        switch g {
        case ..<(-0.75): "pushes rho up at full strength at rho = 0"
        case -0.75..<(-0.25): "pushes rho up at rho = 0"
        case -0.25..<(-0.05): "pushes rho up gently at rho = 0"
        case -0.05..<0.05: "is flat at rho = 0"
        case 0.05..<0.25: "pushes rho down gently at rho = 0"
        default: "pushes rho down at rho = 0 (it must push up elsewhere)"
        }
    }

    static func betaWords(_ s: Double) -> String {
        switch s {
        case ..<0.02: "its shape does not change with beta (a function of beta * rho)"
        case 0.02..<0.08: "its shape changes a little with beta"
        default: "its shape changes with beta"
        }
    }
}
