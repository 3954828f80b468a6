import ConfigFiles
import Foundation
import LLMProposer
import Testing

@Suite struct ProposerConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["local", "openai", "vllm", "ollama"])
    func everyShippedProposerConfigLoads(name: String) throws {
        let config = try ProposerConfig.load(path: Self.root.appendingPathComponent("configs/proposers/\(name).toml").path)
        #expect(config.baseURL.hasSuffix("/v1"))
        #expect(name != "openai" || (config.apiKeyEnv == "OPENAI_API_KEY" && config.budgetCost > 0))
    }

    @Test(arguments: [
        ("base_url = \"127.0.0.1:8080\"", "base_url"),
        ("temperatur = 0.7", "temperatur"),
        ("response_format = \"yaml\"", "response_format"),
        ("constrained = \"regex\"", "constrained"),
        ("top_p = 0", "top_p"),
        ("frequency_penalty = 3", "frequency_penalty"),
        ("in_flight = 0", "in_flight"),
        ("api_key = \"sk-123\"", "api_key"),
    ])
    func aBadKeyIsAnErrorNamingTheFileAndTheKey(line: String, key: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proposer-\(UUID().uuidString).toml").path
        try line.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ProposerConfig.load(path: path)
            Issue.record("\(line) was accepted")
        } catch {
            #expect(error.description.contains(path) && error.description.contains(key), "\(error)")
        }
    }
}
