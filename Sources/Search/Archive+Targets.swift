import LossDescriptors
import Model

extension Archive {
    /// The empty cells next to a filled one (one bin away on every axis at most), as the
    /// descriptors of their centres: where a proposal could reach. All empty cells when none is
    /// next to a filled one; none when the archive is full.
    public var frontierTargets: [(cell: Int, descriptors: Descriptors)] {
        let filled = Set(elites.keys)
        func centre(_ cell: Int) -> Descriptors {
            let (c, g, s) = bins.coordinates(of: cell)
            return Descriptors(
                convexity: bins.convexity.centre(of: c), grad0: bins.grad0.centre(of: g),
                betaSensitivity: bins.betaSensitivity.centre(of: s))
        }
        let empty = (0..<bins.cellCount).filter { !filled.contains($0) }
        let near = empty.filter { cell in
            let (c, g, s) = bins.coordinates(of: cell)
            return filled.contains { other in
                let (oc, og, os) = bins.coordinates(of: other)
                return abs(oc - c) <= 1 && abs(og - g) <= 1 && abs(os - s) <= 1
            }
        }
        return (near.isEmpty ? empty : near).map { ($0, centre($0)) }
    }
}
