import Cluster
import Control
import Foundation
import GRDB
import Island
import TestSupport
import Testing
import Wire

/// Real `evod` processes, real sockets, real SQLite files.
@Suite(.serialized)
struct IslandProcessTests {
    @Test func killNineLosesNothingAcknowledgedAndDuplicatesNothing() throws {
        let harness = try DaemonHarness()
        // Kill while evaluations are in flight (retrying a few times if the kill lands between them).
        var before: [Int64: Row] = [:]
        for _ in 0..<5 {
            try harness.start()
            try harness.waitFor {
                $0.evaluations.done >= 12 && $0.evaluations.inflight > 0
            }
            harness.killHard()
            before = try harness.rows()
            if before.values.contains(where: { ($0["status"] as String) == "pending" }) { break }
        }
        let acknowledged = before.filter { ($0.value["status"] as String) != "pending" }
        let pendingBefore = before.filter { ($0.value["status"] as String) == "pending" }.map(\.key)
        #expect(!acknowledged.isEmpty)
        #expect(!pendingBefore.isEmpty, "never caught an evaluation in flight")

        try harness.start()
        let generationAfterRestart = try harness.waitFor { _ in true }.generation
        try harness.waitFor { $0.generation >= generationAfterRestart + 2 }
        _ = try harness.client.steer(.stop(token: ControlToken.read(from: harness.stateDirectory) ?? ""))
        harness.process?.waitUntilExit()

        let after = try harness.rows()
        // Nothing acknowledged is lost or changed.
        for (id, row) in acknowledged {
            let now = try #require(after[id], "candidate \(id) was lost")
            for column in ["status", "fitness", "fingerprint", "canonical", "outcome", "duplicate_of", "error"] {
                #expect(now[column] as DatabaseValue == row[column] as DatabaseValue, "candidate \(id) changed its \(column)")
            }
        }
        // Work that was in flight finished exactly once.
        for id in pendingBefore {
            let status: String = try #require(after[id])["status"]
            #expect(status == "evaluated" || status == "failed", "candidate \(id) is \(status)")
        }
        let evaluated = after.values.filter { ($0["status"] as String) == "evaluated" }.count
        let failed = after.values.filter { ($0["status"] as String) == "failed" }.count
        #expect(try harness.counter("evaluations.done") == evaluated)
        #expect(try harness.counter("evaluations.failed") == failed)
        // Nothing is duplicated: one live candidate per fingerprint.
        let live = after.values.filter { ["pending", "failed", "evaluated"].contains($0["status"] as String) }.compactMap { $0["fingerprint"] as String? }
        #expect(Set(live).count == live.count)
        #expect(after.count > before.count)
    }

    @Test func stateChangingCommandsNeedTheToken() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.waitFor { _ in true }
        let attributes = try FileManager.default.attributesOfItem(atPath: harness.stateDirectory + "/token")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = try #require(ControlToken.read(from: harness.stateDirectory))
        for attempt in [ControlRequest.pause(token: ""), .pause(token: "guess"), .stop(token: String(token.dropLast()))] {
            #expect(throws: ControlError.refused("'\(attempt.command.rawValue)' needs the island's token (from its state directory)")) {
                try harness.client.steer(attempt)
            }
        }
        #expect(try harness.waitFor { _ in true }.state == .running)
        #expect(try harness.client.steer(.pause(token: token)) == .paused)
        #expect(try harness.waitFor { _ in true }.state == .paused)
        _ = try harness.client.steer(.stop(token: token))
        harness.process?.waitUntilExit()
        #expect(harness.process?.terminationStatus == 0)
    }

    /// One process per island state: a second `evod --island 1` on the same state directory exits
    /// at once naming the first, which runs on; the token and the database are the user's alone.
    @Test func aSecondIslandOnTheSameStateRefusesAndTheStateIsPrivate() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.waitFor { _ in true }
        for file in ["token", "island.sqlite", "island.sqlite-wal", "lock"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: harness.stateDirectory + "/" + file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file)")
        }
        let second = Process()
        second.executableURL = URL(fileURLWithPath: DaemonHarness.evod)
        second.arguments = ["--island", "1", "--config", "cluster.toml"]
        second.currentDirectoryURL = harness.directory
        let output = Pipe()
        (second.standardOutput, second.standardError) = (output, output)
        try second.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        second.waitUntilExit()
        #expect(second.terminationStatus != 0)
        let pid = try #require(harness.process?.processIdentifier)
        #expect(text.contains("island 1's state is in use by another evod (pid \(pid))"), "\(text)")
        #expect(!text.contains("USAGE"), "\(text)")
        #expect(try harness.waitFor { _ in true }.state == .running)
        harness.killHard()
    }

    /// A control port another process holds: the island says which endpoint it cannot bind and
    /// exits with an error at once, its first generation's evaluations abandoned (kept pending),
    /// instead of running on with no control endpoint.
    @Test func aControlPortInUseIsAnErrorAndTheIslandStops() throws {
        let harness = try DaemonHarness()
        let context = ZMQContext()
        let squatter = try ZMQSocket(context, type: ZMQSocket.reply)
        try squatter.bind("tcp://127.0.0.1:\(harness.port)", security: .plain())
        try harness.start()
        let process = try #require(harness.process)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(!process.isRunning, "the island ran on without its control endpoint: \(harness.log)")
        harness.killHard()
        #expect(process.terminationStatus != 0)
        #expect(harness.log.contains("cannot bind the control endpoint"), "\(harness.log)")
        #expect(harness.log.contains("tcp://127.0.0.1:\(harness.port)"), "\(harness.log)")
        withExtendedLifetime(squatter) {}
    }

    @Test func malformedControlMessagesAreCountedAndDropped() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.waitFor { _ in true }
        let context = ZMQContext()
        for garbage in [Data([0xFF, 0x00, 0x13]), Data("{\"no\": \"command\"}".utf8), Data("[1, 2]".utf8), Data("{\"command\": \"dance\"}".utf8)] {
            let socket = try ZMQSocket(context, type: ZMQSocket.request)
            try socket.setReceiveTimeout(milliseconds: 2_000)
            try socket.connect("tcp://127.0.0.1:\(harness.port)", security: harness.security)
            try socket.send(garbage)
            let reply = try #require(try socket.receive()?.first)
            let object = try #require(try JSONSerialization.jsonObject(with: reply) as? [String: Any])
            #expect(object["ok"] as? Bool == false && object["error"] is String)
        }
        let status = try harness.waitFor { $0.droppedMessages >= 4 }
        #expect(status.state == .running)
        harness.killHard()
    }

    @Test func aBadConfigIsAClearErrorAndNoDaemon() throws {
        let harness = try DaemonHarness(extraCluster: "colour = \"blue\"")
        try harness.start()
        harness.process?.waitUntilExit()
        #expect(harness.process?.terminationStatus != 0)
        #expect(harness.log.contains("cluster.toml: key 'colour': unknown key"), "\(harness.log)")
        #expect(!harness.log.contains("USAGE"), "a bad file is not a bad argument: \(harness.log)")
    }

    /// A promotion threshold at or above the baseline's stage-1 fitness would keep the search on
    /// stage 1: a running island says so in its log, in its status and in `evoctl status`, and
    /// runs on.
    @Test func aPromotionThresholdThatWouldStarveStageTwoIsShownInStatus() throws {
        let harness = try ClusterHarness(islands: 1, island: "promotion_threshold = 0.99")
        try harness.startIsland(1)
        defer { harness.stopAll() }
        try harness.waitUntil("the island's first generation") { harness.generation(island: 1) >= 1 }
        let warnings = try #require(harness.status(island: 1)?.warnings)
        #expect(warnings.count == 1 && warnings[0].contains("promotion_threshold 0.99 is not a tenth below"), "\(warnings)")
        #expect(harness.log("island-1").contains("promotion_threshold 0.99 is not a tenth below"))
        let status = try ProcessOutput.run(UpCommandTests.evoctl, ["status", "--config", "cluster.toml"], in: harness.directory)
        #expect(status.status == 0 && status.text.contains("island 1: warning: promotion_threshold 0.99"), "\(status.text)")
    }
}
