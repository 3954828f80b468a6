import Foundation
import FuzzTargets
import Testing

/// Every input of the fuzz corpus (`fuzz/corpus/<target>/`) and every crasher libFuzzer ever found
/// (`fuzz/crashers/<target>-*`, kept as regression tests) through its target, in a plain build: each
/// must come back without a crash.
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func inputs(of target: FuzzTarget) -> [URL] {
        let manager = FileManager.default
        let corpus = root.appendingPathComponent("fuzz/corpus/\(target.rawValue)")
        let crashers = root.appendingPathComponent("fuzz/crashers")
        let seeds = (try? manager.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)) ?? []
        let found = ((try? manager.contentsOfDirectory(at: crashers, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.lastPathComponent.hasPrefix(target.rawValue + "-") }
        return (seeds + found).sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusInputAndCrasherComesBack(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(of: target)
        #expect(inputs.count >= 3, "fuzz/corpus/\(target.rawValue) has \(inputs.count) inputs")
        for input in inputs { target.run(try Data(contentsOf: input)) }
    }
}
