import Crypto
import Foundation

/// The numerical identity of a loss (docs/architecture.md §3): the objective and its gradient on fixed probe
/// batches and betas, rounded, hashed. Two sources that compute the same function share it.
public struct Fingerprint: Hashable, Sendable, Codable, CustomStringConvertible {
    /// 32 lowercase hex digits.
    public let hex: String

    public init(hex: String) { self.hex = hex }

    public var description: String { hex }

    static let betas = [0.05, 0.1, 0.5]
    /// Significant digits kept of each value.
    static let digits = 9.0
    /// Values below this fraction of their group's largest magnitude count as zero (rounding noise).
    static let noiseFloor = 1e-10
    /// Magnitudes below this count as zero: their rounding scale, 10^(exponent - 8), would underflow
    /// (a subnormal gradient, say, which a proposed loss may well have on some probe).
    static let smallest = 1e-290

    /// Probe batches: random log-probs, and the canonical slice (rc = -20, rr = -25) at x from -4 to 4.
    /// The random batches carry random quality-prompted log-probs (from a stream of their own, so the
    /// plain values are those of before they existed); on the slice they equal the plain ones (Δ = 0).
    static func probes(beta: Double) -> [LossBatch] {
        var batches = RandomSource.batchesWithQuality(3, count: 16, seed: 0xF1_4E9E_2025, qualitySeed: 0xF1_4E9E_2025_0004)
        let rho = (0..<16).map { (-4 + 8 * Double($0) / 15 + 0.0123) / beta }
        batches.append(
            LossBatch(
                pc: rho.map { -20 + $0 / 2 }, pr: rho.map { -25 - $0 / 2 },
                rc: Array(repeating: -20, count: 16), rr: Array(repeating: -25, count: 16)
            ).withUninformativeQuality)
        return batches
    }

    /// The fingerprint of a graph.
    public init(of graph: LossGraph) {
        let evaluator = LossEvaluator(graph: graph, batchSize: 16)
        var words: [Int64] = []
        for beta in Self.betas {
            for batch in Self.probes(beta: beta) {
                let result = evaluator.gradient(batch, beta: beta)
                words += Self.quantise([result.objective]) + Self.quantise(result.pc) + Self.quantise(result.pr)
            }
        }
        var bytes: [UInt8] = []
        for word in words { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        hex = SHA256.hash(data: bytes).prefix(16).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }.joined()
    }

    /// Rounds each value to ``digits`` significant digits as (decimal exponent, mantissa) words;
    /// values at the noise floor of their group become 0, non-finite values get codes of their own.
    static func quantise(_ values: [Double]) -> [Int64] {
        let scale = values.lazy.filter(\.isFinite).map(abs).max() ?? 0
        var words: [Int64] = []
        for v in values {
            if !v.isFinite {
                words += [Int64.min, v.isNaN ? 0 : (v > 0 ? 1 : -1)]
                continue
            }
            guard abs(v) > scale * noiseFloor, abs(v) >= smallest else { words += [0, 0]; continue }
            var exponent = Foundation.floor(Foundation.log10(abs(v)))
            if abs(v) / Foundation.pow(10, exponent) >= 10 { exponent += 1 }
            if abs(v) / Foundation.pow(10, exponent) < 1 { exponent -= 1 }
            var mantissa = (v / Foundation.pow(10, exponent - digits + 1)).rounded()
            if abs(mantissa) >= Foundation.pow(10, digits) { mantissa /= 10; mantissa.round(); exponent += 1 }
            guard let e = Int64(exactly: exponent), let m = Int64(exactly: mantissa) else {
                words += [Int64.min, 2]  // cannot happen for finite values above `smallest`; never a crash
                continue
            }
            words += [e, m]
        }
        return words
    }
}

extension LossGraph {
    /// The numerical fingerprint of this loss.
    public var fingerprint: Fingerprint { Fingerprint(of: self) }
}
