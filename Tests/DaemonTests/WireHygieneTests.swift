import Foundation
import Island
import Testing
import Wire

/// Garbage on every endpoint of a running cluster is counted and dropped; the cluster goes on.
@Suite(.serialized)
struct WireHygieneTests {
    static let garbage: [Data] = [
        Data("not json at all".utf8),
        Data([0, 255, 1, 254, 0xC0, 0xC1]),
        Data(#"{"v": 99, "type": "request"}"#.utf8),
        Data(#"{"v": 1, "type": "request", "request_id": 7}"#.utf8),
        Data(#"{"v": 1, "type": "no-such-type"}"#.utf8),
        Data(#"[1, 2, 3]"#.utf8),
        Data(repeating: UInt8(ascii: "{"), count: Envelope.maximumMessageSize + 10),
    ]

    /// Sends `frames` as a peer that holds the cluster key (`security`): what an authenticated but
    /// broken process can do.
    func spray(_ endpoint: String, type: Int32, frames: [[Data]], security: SocketSecurity) throws {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, type: type, maximumMessageSize: ZMQSocket.hardMessageLimit)
        try socket.setSendTimeout(milliseconds: 2_000)
        try socket.connect(endpoint, security: security)
        for message in frames { try socket.send(message) }
        Thread.sleep(forTimeInterval: 0.5)  // let the frames leave before the socket closes
    }

    /// A REQ socket per request (a REP endpoint answers each in turn).
    func ask(_ endpoint: String, _ frame: Data, security: SocketSecurity) throws -> String? {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, type: ZMQSocket.request, maximumMessageSize: ZMQSocket.hardMessageLimit)
        try socket.setReceiveTimeout(milliseconds: 3_000)
        try socket.connect(endpoint, security: security)
        try socket.send(frame)
        return try socket.receive().flatMap { $0.first }.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func garbageOnEveryEndpointIsCountedAndDroppedWhileTheClusterWorks() throws {
        let harness = try ClusterHarness.runningFarmRing()

        let messages = Self.garbage.map { [$0] }
        try spray(harness.farmIslands, type: ZMQSocket.dealer, frames: messages + [[Data("two".utf8), Data("frames".utf8)]], security: harness.security)
        try spray(
            harness.farmWorkers, type: ZMQSocket.dealer, frames: messages + [[Data(#"{"v":1,"type":"result","job":1}"#.utf8)]],
            security: harness.security)
        let foreignTask = #"{"v":1,"type":"migrants","source":9,"sequence":1,"task_hash":"foreign","sent_at":0,"candidates":[]}"#
        try spray(harness.migrationEndpoint(island: 1), type: ZMQSocket.push, frames: messages + [[Data(foreignTask.utf8)]], security: harness.security)
        for endpoint in [harness.controlEndpoint(island: 2), harness.farmControl] {
            for frame in Self.garbage {
                let reply = try #require(try ask(endpoint, frame, security: harness.security), "no reply from \(endpoint)")
                #expect(reply.contains("\"ok\":false"))
            }
        }

        try harness.waitUntil("the counts to arrive") {
            (harness.farmStatus()?.droppedMessages ?? 0) >= 2 * Self.garbage.count + 2 + Self.garbage.count
                && (harness.status(island: 1)?.migration.dropped ?? 0) >= Self.garbage.count + 1
                && (harness.status(island: 2)?.droppedMessages ?? 0) >= Self.garbage.count
        }
        // Everyone is still alive and the search goes on.
        let generation = harness.generation(island: 1)
        try harness.waitUntil("two more generations") { harness.generation(island: 1) >= generation + 2 && harness.generation(island: 2) >= 2 }
        for (name, process) in harness.processes { #expect(process.isRunning, "\(name) died") }
        harness.stopAll()
    }
}
