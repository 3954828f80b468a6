import Foundation
import LossLanguage

/// Helpers shared by the loss-language tests.
enum Support {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func parse(_ source: String) throws -> LossGraph { try LossParser.parse(source).graph }

    /// Files of a fixture folder, sorted, with their text.
    static func files(_ folder: String, extension ext: String) throws -> [(name: String, text: String)] {
        let url = fixtures.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix("." + ext) }.sorted().map {
            ($0.replacingOccurrences(of: "." + ext, with: ""), try String(contentsOf: url.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// Whether two numbers agree to a relative tolerance (with an absolute floor).
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    static func randomBatch(seed: UInt64, count: Int = 10) -> LossBatch {
        var random = RandomSource(seed: seed)
        return random.logProbBatch(count: count)
    }
}
