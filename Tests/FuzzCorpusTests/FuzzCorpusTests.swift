import Foundation
import FuzzTargets
import Testing

/// Every seed input of the fuzz targets (``FuzzTarget/seedFolders``) and every crasher libFuzzer ever found
/// (`fuzz/crashers/<target>-*`, kept as regression tests) through its target, in a plain build: each
/// must come back without a crash.
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func inputs(of target: FuzzTarget) -> [URL] {
        let manager = FileManager.default
        let crashers = root.appendingPathComponent("fuzz/crashers")
        let seeds = target.seedFolders.flatMap { folder in
            ((try? manager.contentsOfDirectory(at: root.appendingPathComponent(folder), includingPropertiesForKeys: [.isRegularFileKey])) ?? [])
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
        }
        let found = ((try? manager.contentsOfDirectory(at: crashers, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.lastPathComponent.hasPrefix(target.rawValue + "-") }
        return (seeds + found).sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusInputAndCrasherComesBack(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(of: target)
        #expect(inputs.count >= 3, "\(target.seedFolders) hold \(inputs.count) inputs")
        for input in inputs { target.run(try Data(contentsOf: input)) }
    }
}
