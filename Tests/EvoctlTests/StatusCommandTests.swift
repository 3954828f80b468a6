import Foundation
import TestSupport
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
        let keys = try LossCommandTests.run(["keys", "--config", config.path])
        #expect(keys.status == 0, "\(keys.output)")
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

    /// `evoctl keys` makes the key file private from its first byte, never replaces it, and a key
    /// file others can read (or none at all) is an error that says what to do.
    @Test func keysAreMadeOnceAndGuarded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("cluster.toml").path
        try "state_directory = \"\(directory.path)/state\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let key = directory.path + "/state/cluster.key"
        /// A failing command's exit status and standard error.
        func failing(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let run = try ProcessOutput.run(LossCommandTests.evoctl.path, arguments, in: directory, keeping: .error)
            return (run.status, run.text)
        }

        let missing = try failing(["status", "--config", config])
        #expect(missing.status == 1)
        #expect(missing.output.contains("\(key): no cluster key: make one with `evoctl keys`"), "\(missing.output)")

        let made = try LossCommandTests.run(["keys", "--config", config])
        #expect(made.status == 0 && made.output.contains("made \(key) (mode 0600"), "\(made.output)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: key, encoding: .utf8)

        let again = try LossCommandTests.run(["keys", "--config", config])
        #expect(again.status == 0 && again.output.contains("the cluster key is there and sound"), "\(again.output)")
        #expect(try String(contentsOfFile: key, encoding: .utf8) == text, "keys replaced an existing key")

        chmod(key, 0o644)
        let loose = try failing(["keys", "--config", config])
        #expect(loose.status == 1 && loose.output.contains("the cluster key is readable by others (mode 644); `chmod 600 \(key)`"), "\(loose.output)")

        chmod(key, 0o600)
        try text.replacingOccurrences(of: "public = \"", with: "public = \"x").write(toFile: key, atomically: false, encoding: .utf8)
        let damaged = try failing(["keys", "--config", config])
        #expect(damaged.status == 1 && damaged.output.contains("key 'public': is not the public key of this secret key"), "\(damaged.output)")
    }
}
