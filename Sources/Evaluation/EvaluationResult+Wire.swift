import Foundation
import Model

extension EvaluationResult {
    /// A result as a worker writes it and the farm passes it on (JSON, non-finite numbers as the
    /// strings "nan", "inf", "-inf"); nil when the data is not one.
    public init?(wire data: Data) {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let result = try? decoder.decode(EvaluationResult.self, from: data) else { return nil }
        self = result
    }

    /// Whether it says one thing: a finite fitness, or the reason it failed (never both, never neither).
    public var isWellFormed: Bool {
        switch (fitness, failed) {
        case let (fitness?, nil): fitness.isFinite
        case (nil, _?): true
        default: false
        }
    }
}
