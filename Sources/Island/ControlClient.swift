import Foundation
import Wire

/// Sends one control request to an island and waits for its reply (a REQ socket per request, so a
/// lost reply never wedges the next one).
public struct ControlClient: Sendable {
    public let endpoint: String
    public let timeoutMilliseconds: Int32

    public init(endpoint: String, timeoutMilliseconds: Int32 = 3_000) {
        (self.endpoint, self.timeoutMilliseconds) = (endpoint, timeoutMilliseconds)
    }

    public enum Failure: Error, CustomStringConvertible {
        case unreachable(String)
        case refused(String)
        case malformedReply

        public var description: String {
            switch self {
            case let .unreachable(endpoint): "no answer from \(endpoint) (is the island running?)"
            case let .refused(reason): reason
            case .malformedReply: "the island's reply is not a JSON object"
            }
        }
    }

    /// The `result` of a successful request.
    public func request(_ body: [String: Any]) throws -> Any {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, type: ZMQSocket.request, maximumMessageSize: 64 << 20)
        try socket.setReceiveTimeout(milliseconds: timeoutMilliseconds)
        try socket.setSendTimeout(milliseconds: timeoutMilliseconds)
        try socket.connect(endpoint)
        try socket.send(try JSONSerialization.data(withJSONObject: body))
        guard let frames = try socket.receive(), let frame = frames.first else { throw Failure.unreachable(endpoint) }
        guard let reply = try? JSONSerialization.jsonObject(with: frame) as? [String: Any] else { throw Failure.malformedReply }
        guard reply["ok"] as? Bool == true, let result = reply["result"] else {
            throw Failure.refused(reply["error"] as? String ?? "the island refused the request")
        }
        return result
    }
}
