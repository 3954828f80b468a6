import Foundation
import Testing

/// `evoctl status` against a cluster whose islands are all down.
struct StatusCommandTests {
    /// Six islands that do not answer, 2 s each: asked one after another that was 12 s of silence;
    /// asked at once it is one timeout. Every island is reported down, in the config's order.
    @Test func islandsThatAreDownCostOneTimeoutInAll() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("cluster.toml")
        try """
        state_directory = "\(directory.path)/state"
        island_control_ports = [47101, 47102, 47103, 47104, 47105, 47106]
        """.write(to: config, atomically: true, encoding: .utf8)
        let started = Date()
        let (status, output) = try LossCommandTests.run(["status", "--config", config.path, "--timeout", "2", "--json"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let islands = try #require(object["islands"] as? [[String: Any]])
        #expect(islands.map { $0["id"] as? Int } == [1, 2, 3, 4, 5, 6])
        #expect(islands.allSatisfy { $0["state"] as? String == "down" })
        #expect(elapsed < 5, "status took \(elapsed) s for six islands down at 2 s each")
    }
}
