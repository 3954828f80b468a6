import Control
import Foundation
import Testing

struct ControlRequestTests {
    static let requests: [ControlRequest] = [
        .status, .best(top: 5), .show(id: 42), .archive, .migrations, .history(limit: 50), .pause(token: "t"), .resume(token: "t"), .stop(token: "t"),
        .release(worker: "worker-a-1-2", token: "t"),
    ]

    @Test func everyRequestRoundTripsThroughItsWireForm() throws {
        for request in Self.requests {
            let data = try ControlCoding.encoder.encode(request)
            #expect(try ControlRequest.decode(from: data) == request, "\(String(decoding: data, as: UTF8.self))")
        }
    }

    @Test func theWireFormIsTheDocumentedObject() throws {
        func wire(_ request: ControlRequest) throws -> String { String(decoding: try ControlCoding.encoder.encode(request), as: UTF8.self) }
        #expect(try wire(.status) == #"{"command":"status"}"#)
        #expect(try wire(.best(top: 5)) == #"{"command":"best","top":5}"#)
        #expect(try wire(.show(id: 7)) == #"{"command":"show","id":7}"#)
        #expect(try wire(.pause(token: "abc")) == #"{"command":"pause","token":"abc"}"#)
        #expect(try wire(.release(worker: "w", token: "abc")) == #"{"command":"release","token":"abc","worker":"w"}"#)
        // What scripts and older clients send is read the same way.
        #expect(try ControlRequest.decode(from: Data(#"{"command": "best"}"#.utf8)) == .best(top: 10))
        #expect(try ControlRequest.decode(from: Data(#"{"command": "stop"}"#.utf8)) == .stop(token: ""))
        #expect(try ControlRequest.decode(from: Data(#"{"command": "best", "top": -3}"#.utf8)) == .best(top: 0))
    }

    @Test(arguments: [
        (#"{"command": "reboot"}"#, "unknown command 'reboot' (status, best, show, archive, migrations, history, pause, resume, stop, release)"),
        (#"{"command": "release", "token": "t"}"#, "'release' needs the worker's name in \"worker\""),
        (#"{"command": "show"}"#, "'show' needs a numeric \"id\""),
        (#"{"command": "show", "id": "seven"}"#, "'show' needs a numeric \"id\""),
        (#"{"top": 3}"#, "expected a JSON object with a \"command\" string"),
        (#"[1, 2]"#, "expected a JSON object with a \"command\" string"),
        ("not json", "expected a JSON object with a \"command\" string"),
        (#"{"command": "best", "top": "many"}"#, "expected a JSON object with a \"command\" string"),
    ])
    func malformedRequestsAreErrorsThatSayWhatIsWrong(text: String, message: String) {
        #expect(throws: ControlError.malformedRequest(message)) { try ControlRequest.decode(from: Data(text.utf8)) }
    }

    @Test func anOversizedRequestIsRefusedBeforeItIsParsed() {
        let huge = Data(repeating: UInt8(ascii: " "), count: ControlRequest.maximumSize + 1)
        #expect(throws: ControlError.malformedRequest("\(huge.count) bytes refused: the limit is \(ControlRequest.maximumSize)")) {
            try ControlRequest.decode(from: huge)
        }
    }

    @Test func onlyPauseResumeStopAndReleaseChangeStateAndCarryATokenThatIsNeverOptional() {
        for request in Self.requests {
            #expect(request.command.changesState == (request.token != nil), "\(request)")
        }
        #expect(ControlCommand.allCases.filter(\.changesState) == [.pause, .resume, .stop, .release])
    }
}
