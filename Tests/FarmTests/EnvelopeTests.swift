import Farm
import Foundation
import Testing
import Wire

/// The wire layer's one envelope: what it accepts, and the reason it gives for what it drops.
struct EnvelopeTests {
    static let good = #"{"v": 1, "type": "heartbeat", "task_hash": "t1", "capacity": 4}"#

    @Test func aWellFormedMessageDecodesAndItsKindCarriesItsFields() throws {
        let message = try Envelope.decode(WorkerMessage.self, from: Data(Self.good.utf8))
        #expect(try message.kind() == .heartbeat(taskHash: "t1", capacity: 4))
        let round = try Envelope.decode(WorkerMessage.self, from: Envelope.encode(WorkerMessage.ready(taskHash: "t2", capacity: 2)))
        #expect(try round.kind() == .ready(taskHash: "t2", capacity: 2))
    }

    @Test(arguments: [
        ("not json at all", Envelope.Rejection.notJSON),
        ("[1, 2]", .notJSON),
        (#"{"v": 2, "type": "heartbeat"}"#, .foreignVersion(2)),
        (#"{"type": "heartbeat"}"#, .foreignVersion(nil)),
        (#"{"v": 1}"#, .unexpectedType(nil)),
        (#"{"v": 1, "type": "job"}"#, .unexpectedType("job")),
        (#"{"v": 1, "type": "result", "job": "seven"}"#, .malformed("bad value at 'job'")),
    ])
    func everyBadFrameIsRefusedWithItsReason(frame: String, reason: Envelope.Rejection) {
        #expect(throws: reason) { try Envelope.decode(WorkerMessage.self, from: Data(frame.utf8)) }
    }

    @Test func anOversizedFrameIsRefusedBeforeItIsParsed() {
        let huge = Data(repeating: UInt8(ascii: " "), count: Envelope.maximumMessageSize + 1)
        #expect(throws: Envelope.Rejection.oversized(Envelope.maximumMessageSize + 1)) { try Envelope.decode(WorkerMessage.self, from: huge) }
    }

    @Test func aKindThatLacksItsFieldsIsMalformed() throws {
        let readyWithoutTask = try Envelope.decode(WorkerMessage.self, from: Data(#"{"v": 1, "type": "ready", "capacity": 4}"#.utf8))
        #expect(throws: Envelope.Rejection.malformed("'ready' needs task_hash and capacity")) { try readyWithoutTask.kind() }
        let resultWithoutJob = try Envelope.decode(WorkerMessage.self, from: Data(#"{"v": 1, "type": "result"}"#.utf8))
        #expect(throws: Envelope.Rejection.malformed("'result' needs a job")) { try resultWithoutJob.kind() }
    }
}
