import Foundation
import GRDB
import Testing

/// Two "hosts" on one machine: network namespaces joined by a veth pair, each with its own
/// address. The farm and island 1 run in one, a worker and island 2 in the other; they reach each
/// other only over the veth link, as separate hosts would over a network.
@Suite(.serialized)
struct MultiHostTests {
    /// Whether this machine lets us create network namespaces (root with CAP_SYS_ADMIN and iproute2).
    static let namespacesAvailable: Bool = {
        let name = "evod-probe-\(getpid())"
        guard NetworkNamespaces.run(["ip", "netns", "add", name]) == 0 else { return false }
        _ = NetworkNamespaces.run(["ip", "netns", "del", name])
        return true
    }()

    @Test(.enabled(if: namespacesAvailable, "`ip netns add` is not permitted here (needs root and iproute2); the multi-host test is skipped"))
    func islandsAndWorkersOnTwoHostsJoinedByVeth() throws {
        let spaces = try NetworkNamespaces()
        defer { spaces.remove() }
        let (hostA, hostB) = (spaces.addressA, spaces.addressB)
        let harness = try ClusterHarness(
            islands: 2,
            cluster: """
                evaluator = "farm"
                migration = "policy.toml"
                island_hosts = ["\(hostA)", "\(hostB)"]
                """, farm: "host = \"\(hostA)\"")
        try harness.write("topology = \"ring\"\nevery_generations = 1\n", to: "policy.toml")
        let inA = ["/usr/sbin/ip", "netns", "exec", spaces.a], inB = ["/usr/sbin/ip", "netns", "exec", spaces.b]
        try harness.start("farm", ["--farm"], wrapper: inA)
        try harness.start("island-1", ["--island", "1"], wrapper: inA)
        try harness.start("worker", ["--worker", "--threads", "2"], wrapper: inB)
        try harness.start("island-2", ["--island", "2"], wrapper: inB)
        try harness.waitUntil("migrants both ways across the link") {
            try (1...2).allSatisfy { id in try harness.migrations(island: id).contains { $0.direction == "received" } }
                && (try harness.counter("evaluations.done", island: 2)) >= 4
        }
        // The cluster as evoctl on host A sees it: both islands and the farm with B's worker.
        let status = try spaces.evoctlStatus(in: spaces.a, directory: harness.directory)
        harness.stopAll()
        let islands = try #require(status["islands"] as? [[String: Any]])
        #expect(islands.count == 2 && islands.allSatisfy { $0["state"] as? String == "running" })
        let farm = try #require(status["farm"] as? [String: Any])
        #expect(farm["workers"] as? Int == 1)
        #expect(farm["done"] as? Int ?? 0 >= 4)
        #expect(try harness.migrations(island: 2).contains { $0.direction == "received" && $0.peer == 1 })
        #expect(try harness.migrations(island: 1).contains { $0.direction == "received" && $0.peer == 2 })
    }
}

/// A pair of network namespaces joined by a veth link, removed by ``remove()``.
struct NetworkNamespaces {
    let a: String, b: String
    let addressA: String, addressB: String

    init() throws {
        let tag = String(UInt32.random(in: 0...0xFFFF), radix: 16)
        (a, b) = ("evod-a-\(tag)", "evod-b-\(tag)")
        let subnet = "10.\(Int.random(in: 100...250)).\(Int.random(in: 1...250))"
        (addressA, addressB) = ("\(subnet).1", "\(subnet).2")
        let (linkA, linkB) = ("ea\(tag)", "eb\(tag)")
        let steps: [[String]] = [
            ["ip", "netns", "add", a], ["ip", "netns", "add", b],
            ["ip", "link", "add", linkA, "type", "veth", "peer", "name", linkB],
            ["ip", "link", "set", linkA, "netns", a], ["ip", "link", "set", linkB, "netns", b],
            ["ip", "-n", a, "addr", "add", "\(addressA)/24", "dev", linkA], ["ip", "-n", b, "addr", "add", "\(addressB)/24", "dev", linkB],
            ["ip", "-n", a, "link", "set", linkA, "up"], ["ip", "-n", b, "link", "set", linkB, "up"],
            ["ip", "-n", a, "link", "set", "lo", "up"], ["ip", "-n", b, "link", "set", "lo", "up"],
        ]
        for step in steps where Self.run(step) != 0 {
            remove()
            throw NSError(domain: "NetworkNamespaces", code: 1, userInfo: [NSLocalizedDescriptionKey: "failed: \(step.joined(separator: " "))"])
        }
    }

    func remove() {
        _ = Self.run(["ip", "netns", "del", a])
        _ = Self.run(["ip", "netns", "del", b])
    }

    func evoctlStatus(in namespace: String, directory: URL) throws -> [String: Any] {
        let evoctl = DaemonHarness.root.appendingPathComponent(".build/debug/evoctl").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, evoctl, "status", "--json", "--config", "cluster.toml"]
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @discardableResult
    static func run(_ argv: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
