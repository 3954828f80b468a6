import Foundation
import LossLanguage
import Testing

/// `evoctl loss describe` and `evoctl loss export` as a user runs them: the real binary, real files.
struct LossCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let evoctl = root.appendingPathComponent(".build/debug/evoctl")

    /// Runs evoctl with `arguments` (and `input` on standard input); returns exit status and standard output.
    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = evoctl
        process.arguments = arguments
        process.currentDirectoryURL = root
        let stdout = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func describeJSONHasTheDocumentedKeys() throws {
        let (status, output) = try Self.run(["loss", "describe", "losses/dpo.loss", "--json"])
        #expect(status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["name", "valid", "error", "canonical", "fingerprint", "descriptors"])
        #expect(json["name"] as? String == "dpo")
        #expect(json["valid"] as? Bool == true)
        #expect(json["error"] is NSNull)
        #expect(json["canonical"] as? String == "-logsigmoid(beta * rho)")
        let descriptors = try #require(json["descriptors"] as? [String: Double])
        #expect(abs((descriptors["grad0"] ?? 0) + 0.5678) < 2e-3)
        #expect(Set(descriptors.keys) == ["convexity", "grad0", "beta_sensitivity"])
    }

    @Test func invalidLossExitsNonZeroAndStillPrintsItsError() throws {
        let (status, output) = try Self.run(["loss", "describe", "-", "--json", "--form", "pytorch"], input: """
            def f(self, a, b, c, d):
                return (a - b).mean()
            """)
        #expect(status != 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(json["valid"] as? Bool == false)
        #expect((json["error"] as? String)?.contains("Expected loss shape to be per input (e.g. (10,)), got torch.Size([])") == true)
    }

    @Test func exportedPyTorchDescribesToTheSameFingerprint() throws {
        let exported = try Self.run(["loss", "export", "losses/lrml.loss", "--format", "pytorch"])
        #expect(exported.status == 0)
        let original = try Self.run(["loss", "describe", "losses/lrml.loss", "--json"]).output
        let roundTrip = try Self.run(["loss", "describe", "-", "--json"], input: exported.output).output
        let fingerprint = { (s: String) in (try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])?["fingerprint"] as? String }
        #expect(fingerprint(original) != nil)
        #expect(fingerprint(original) == fingerprint(roundTrip))
    }

    @Test func shippedLossFilesAreTheLibrarysStandardLosses() throws {
        for name in ["dpo", "slic", "ipo", "exponential", "lrml", "cell", "padll"] {
            let text = try String(contentsOf: Self.root.appendingPathComponent("losses/\(name).loss"), encoding: .utf8)
            #expect(try LossParser.parse(text).graph == StandardLosses.named(name)?.graph, "\(name)")
        }
    }
}
