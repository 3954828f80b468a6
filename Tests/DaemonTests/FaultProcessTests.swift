import Foundation
import Island
import Testing

/// Faults of the machine under a running island, made for real.
struct FaultProcessTests {
    /// A full disk: the island's state directory on a 4 MiB tmpfs that a file then fills. The island
    /// logs the failure once, shows it in status and keeps answering, retries with backoff, runs
    /// its generations again once the file is gone, and stops on SIGTERM while faulted. Mounting
    /// needs root (CI runs as root).
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskIsSeenRetriedAndOutlived() throws {
        let harness = try DaemonHarness()
        let state = harness.directory.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let key = try Data(contentsOf: URL(fileURLWithPath: state + "/cluster.key"))
        try #require(NetworkNamespaces.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", state]) == 0, "cannot mount a tmpfs")
        defer {
            harness.killHard()
            _ = NetworkNamespaces.run(["umount", "-l", state])
        }
        // The cluster key, hidden by the mount, copied onto the tmpfs as a joining host would.
        try #require(FileManager.default.createFile(atPath: state + "/cluster.key", contents: key, attributes: [.posixPermissions: 0o600]))
        try harness.start()
        try harness.waitFor { $0.generation >= 2 }
        let filler = state + "/filler"
        _ = NetworkNamespaces.run(["dd", "if=/dev/zero", "of=\(filler)", "bs=64k"])  // until the disk is full
        let faulted = try harness.waitFor(seconds: 60) { $0.fault != nil }
        let fault = try #require(faulted.fault)
        #expect(fault.error.contains("generation"), "\(fault)")
        #expect(faulted.state == .running)
        #expect(harness.log.contains("generation failed; retrying with backoff"), "\(harness.log)")
        let stuck = faulted.generation
        try FileManager.default.removeItem(atPath: filler)
        let resumed = try harness.waitFor(seconds: 90) { $0.fault == nil && $0.generation > stuck + 1 }
        #expect(resumed.fault == nil)
        #expect(harness.log.contains("generations run again"), "\(harness.log)")
        // Faulted again, then SIGTERM: it stops at once, cleanly.
        _ = NetworkNamespaces.run(["dd", "if=/dev/zero", "of=\(filler)", "bs=64k"])
        try harness.waitFor(seconds: 60) { $0.fault != nil }
        let process = try #require(harness.process)
        let asked = Date()
        process.terminate()
        process.waitUntilExit()
        #expect(Date().timeIntervalSince(asked) < 10)
        #expect(process.terminationReason == .exit)
    }
}
