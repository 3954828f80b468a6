import Control
import Foundation
import Model
import Synchronization
import Wire

/// Sends typed control requests to one island or the farm and decodes the typed replies (a REQ
/// socket per request, so that a lost reply never wedges the next one).
public struct ControlClient: Sendable {
    public let endpoint: String
    public let peer: ControlPeer
    public let security: SocketSecurity
    public let timeoutMilliseconds: Int32

    public init(endpoint: String, peer: ControlPeer, security: SocketSecurity, timeoutMilliseconds: Int32 = 3_000) {
        (self.endpoint, self.peer, self.security, self.timeoutMilliseconds) = (endpoint, peer, security, timeoutMilliseconds)
    }

    /// Sends `request` and decodes the reply's result as `Result`; a refusal is thrown with the
    /// peer's reason.
    public func send<Result: Codable & Sendable>(_ request: ControlRequest, expecting: Result.Type) throws(ControlError) -> Result {
        let frame = try exchange(request)
        let reply: ControlReply<Result>
        do { reply = try ControlCoding.decoder.decode(ControlReply<Result>.self, from: frame) } catch {
            throw .malformedReply("\(peer)'s reply to '\(request.command.rawValue)' is not a \(Result.self): \(error)")
        }
        switch reply {
        case let .success(result): return result
        case let .failure(reason): throw .refused(reason)
        }
    }

    /// One request, one reply frame.
    private func exchange(_ request: ControlRequest) throws(ControlError) -> Data {
        let context = ZMQContext()
        let frames: [Data]?
        do {
            let socket = try ZMQSocket(context, type: ZMQSocket.request, maximumMessageSize: 64 << 20)
            try socket.setReceiveTimeout(milliseconds: timeoutMilliseconds)
            try socket.setSendTimeout(milliseconds: timeoutMilliseconds)
            try socket.connect(endpoint, security: security)
            try socket.send(try ControlCoding.encoder.encode(request))
            frames = try socket.receive()
        } catch {
            throw .transport(endpoint: endpoint, reason: "\(error)")
        }
        guard let frame = frames?.first else { throw .unreachable(endpoint: endpoint, peer: peer, curve: security.isCurve) }
        return frame
    }
}

extension ControlClient {
    /// An island's status.
    public func status() throws(ControlError) -> IslandStatus { try send(.status, expecting: IslandStatus.self) }

    /// The farm broker's status.
    public func farmStatus() throws(ControlError) -> FarmStatus { try send(.status, expecting: FarmStatus.self) }

    /// The island's best `top` candidates, confirmed first.
    public func best(top: Int) throws(ControlError) -> [CandidateSummary] { try send(.best(top: top), expecting: [CandidateSummary].self) }

    public func show(id: Int64) throws(ControlError) -> CandidateSummary { try send(.show(id: id), expecting: CandidateSummary.self) }

    public func archive() throws(ControlError) -> ArchiveSnapshot { try send(.archive, expecting: ArchiveSnapshot.self) }

    public func migrations() throws(ControlError) -> [MigrationFlow] { try send(.migrations, expecting: [MigrationFlow].self) }

    /// The island's last `limit` finished generations, oldest first.
    public func history(limit: Int = 1_000) throws(ControlError) -> [HistoryPoint] { try send(.history(limit: limit), expecting: [HistoryPoint].self) }

    /// Pause, resume or stop: the state afterwards.
    public func steer(_ request: ControlRequest) throws(ControlError) -> IslandState { try send(request, expecting: StateReply.self).state }

    /// Runs `work` on every element at once, a thread each (requests block on their sockets, and
    /// a thread pool would run only as many at once as there are cores); the answers in order.
    /// Peers that are down cost one timeout in all, not one each.
    public static func concurrently<Element: Sendable, Answer: Sendable>(
        _ elements: [Element], _ work: @escaping @Sendable (Element) -> Answer
    ) -> [Answer] {
        let answers = Answers<Answer>(count: elements.count)
        let done = DispatchGroup()
        for (index, element) in elements.enumerated() {
            done.enter()
            Thread.detachNewThread {
                answers.set(index, work(element))
                done.leave()
            }
        }
        done.wait()
        return answers.all
    }
}

/// The answers as the concurrent requests fill them in.
private final class Answers<Answer: Sendable>: Sendable {
    private let values: Mutex<[Answer?]>

    init(count: Int) { values = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ value: sending Answer) { values.withLock { $0[index] = value } }
    var all: [Answer] { values.withLock { $0.compactMap { $0 } } }
}
