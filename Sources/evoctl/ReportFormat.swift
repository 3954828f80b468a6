import Evaluation
import Foundation

/// Numbers as evoctl's reports print them: never `nan`; a missing value is `n/a`.
enum ReportFormat {
    /// Four decimals; a magnitude of a million or more in exponent notation (a fitness of 1e300 from
    /// a broken evaluator is one short word, not 300 digits).
    static func fixed(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        return abs(value) < 1e6 ? String(format: "%.4f", value) : String(format: "%.4e", value)
    }

    /// Four decimals with a sign.
    static func signed(_ value: Double) -> String { value.isFinite ? String(format: "%+.4f", value) : "n/a" }

    /// The shortest form of a weight or setting.
    static func number(_ value: Double) -> String { value.isFinite ? String(format: "%g", value) : "n/a" }

    /// A difference in standard errors: `identical` when both are zero, `+inf` when only the SE is.
    static func zScore(_ estimate: Estimate) -> String {
        if estimate.standardError == 0 && estimate.value == 0 { return "0.0 (identical)" }
        let z = estimate.zScore
        if z.isNaN { return "n/a" }
        return z.isFinite ? String(format: "%+.1f", z) : (z > 0 ? "+inf" : "-inf")
    }
}
