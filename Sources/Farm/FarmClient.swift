import Evaluation
import Foundation
import Logging
import LossLanguage
import Model
import Synchronization
import Wire

/// An island's connection to the farm broker: a DEALER named after the island, so that results
/// reach it again after either side restarts. ``evaluate(_:)`` blocks its caller until the result
/// arrives; a request with no answer is re-sent every `resendInterval` seconds, and the broker's
/// request ids make re-sending idempotent.
public final class FarmClient: Sendable {
    /// Where the broker is (it may publish late, or move: the socket follows it).
    let farm: FarmLocator
    let identity: String
    let resendInterval: Double
    let security: SocketSecurity
    private let connected = Mutex<String?>(nil)
    let logger: Logger
    private let outbox = Mailbox<EvaluationRequest>()
    private let pending = Mutex<[String: PendingRequest]>([:])
    private let stopping = Atomic<Bool>(false)
    private let tallies = Mutex((dropped: 0, resent: 0))
    let silence = Mutex(FarmSilence())
    private let correctionHandler = Mutex<(@Sendable (EvaluationCorrection, EvaluationResult) -> Void)?>(nil)

    public init(farm: FarmLocator, identity: String, resendInterval: Double, security: SocketSecurity, logger: Logger) {
        (self.farm, self.identity, self.resendInterval, self.security, self.logger) = (farm, identity, resendInterval, security, logger)
    }

    /// The broker's island endpoint as connected now.
    public var endpoint: String { connected.withLock { $0 } ?? "(the farm has not published its endpoint yet)" }

    /// Starts the socket thread.
    public func start() throws {
        let context = ZMQContext()
        let socket = try ZMQSocket(context, type: ZMQSocket.dealer, maximumMessageSize: ZMQSocket.hardMessageLimit)
        try socket.setRoutingID(identity)
        let thread = Thread { [self] in
            do { try serve(socket, context) } catch { logger.error("farm connection failed", metadata: ["error": "\(error)"]) }
        }
        thread.name = "farm-client"
        thread.start()
    }

    /// Stops the socket thread and releases every waiting caller with an interrupted result (its
    /// candidate stays pending in the island's database).
    public func stop() {
        let waiting = pending.withLock { pending in
            stopping.store(true, ordering: .relaxed)
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        for waiter in waiting { waiter.fulfil(.failure(EvaluationResult.interruptedReason, stage: waiter.request.stage, seconds: 0)) }
    }

    /// Calls `handler` (on the client's socket thread: hand the work on) with each correction the
    /// broker sends: a result trained again after its worker was quarantined.
    public func onCorrection(_ handler: @escaping @Sendable (EvaluationCorrection, EvaluationResult) -> Void) {
        correctionHandler.withLock { $0 = handler }
    }

    /// Replies dropped (malformed, foreign version, unknown request) and requests re-sent.
    public var dropped: Int { tallies.withLock { $0.dropped } }
    public var resent: Int { tallies.withLock { $0.resent } }

    /// Sends the request and waits for its result. A caller asking for a request id that is
    /// already waiting (the same loss at the same stage, say a candidate's confirmation and the
    /// baseline's) joins that request instead of replacing it: both get the one result.
    public func evaluate(_ request: EvaluationRequest) -> EvaluationResult {
        // `stopping` is read under the lock that `stop` drains under: a request cannot slip in after the drain.
        let (waiter, isNew) = pending.withLock { pending -> (PendingRequest?, Bool) in
            guard !stopping.load(ordering: .relaxed) else { return (nil, false) }
            if let waiting = pending[request.requestID] { return (waiting, false) }
            let waiter = PendingRequest(request)
            pending[request.requestID] = waiter
            return (waiter, true)
        }
        guard let waiter else { return .failure(EvaluationResult.interruptedReason, stage: request.stage, seconds: 0) }
        if isNew { outbox.post(request) }
        return waiter.wait()
    }

    private func serve(_ socket: ZMQSocket, _ context: ZMQContext) throws {
        var poller = Poller()
        poller.add(socket)
        poller.add(fileDescriptor: outbox.fileDescriptor)
        var lastSweep = Date()
        var follower = EndpointFollower(security: security, locate: farm.islands)
        while !stopping.load(ordering: .relaxed) {
            if try follower.follow(socket) {
                connected.withLock { $0 = follower.current }
                logger.info("connected to the farm", metadata: ["endpoint": "\(follower.current ?? "")"])
                // A new (or moved) broker: it sends the corrections made so far, and everything waiting goes to it now.
                try socket.send(Envelope.encode(IslandHello()))
                for request in pending.withLock({ $0.values.map(\.request) }) { try socket.send(Envelope.encode(request)) }
            }
            let ready = try poller.poll(milliseconds: 100)
            if ready.contains(1) {
                // Until the broker is located, requests wait in `pending` and go out on connection.
                let requests = outbox.drain()
                if follower.current != nil { for request in requests { try socket.send(Envelope.encode(request)) } }
            }
            if ready.contains(0) { while let frames = try socket.receive(dontWait: true) { heard(); deliver(frames) } }
            if Date().timeIntervalSince(lastSweep) >= min(1, resendInterval / 2) {
                lastSweep = Date()
                let late = overdue()
                if follower.current != nil { for request in late { try socket.send(Envelope.encode(request)) } }
                if !late.isEmpty { checkSilence(waiting: pending.withLock { $0.count }) }
            }
        }
        withExtendedLifetime(context) {}
    }

    private func overdue() -> [EvaluationRequest] {
        let now = Date()
        let late = pending.withLock { $0.values.filter { now.timeIntervalSince($0.lastSent) >= resendInterval } }
        for waiter in late { waiter.lastSent = now }
        if !late.isEmpty {
            tallies.withLock { $0.resent += late.count }
            logger.debug("re-sending unanswered evaluation requests", metadata: ["count": "\(late.count)"])
        }
        return late.map(\.request)
    }

    private func deliver(_ frames: [Data]) {
        do {
            guard frames.count == 2 else { throw Envelope.Rejection.malformed("expected two frames, got \(frames.count)") }
            if try Envelope.type(of: frames[0]) == "correction" {
                let correction = try Envelope.decode(EvaluationCorrection.self, from: frames[0])
                guard let result = EvaluationResult(wire: frames[1]), result.stage == correction.stage, result.isWellFormed else {
                    throw Envelope.Rejection.malformed("a correction's result is not an evaluation result of its stage")
                }
                correctionHandler.withLock { $0 }?(correction, result)
                return
            }
            let reply = try Envelope.decode(EvaluationReply.self, from: frames[0])
            guard let waiter = pending.withLock({ $0.removeValue(forKey: reply.requestID) }) else {
                throw Envelope.Rejection.malformed("no request '\(reply.requestID)' is waiting (answered already)")
            }
            // A result that does not decode is the evaluation's failure, not a reason to wait forever.
            var result =
                EvaluationResult(wire: frames[1])
                ?? .failure("the farm returned a result that is not an evaluation result", stage: waiter.request.stage, seconds: 0)
            result.cached = reply.cached
            waiter.fulfil(result)
        } catch {
            tallies.withLock { $0.dropped += 1 }
            logger.warning("dropped a message from the farm", metadata: ["reason": "\(error)"])
        }
    }
}

/// One request waiting for its result.
final class PendingRequest: @unchecked Sendable {
    let request: EvaluationRequest
    /// Guarded by the client's `pending` lock.
    var lastSent = Date()
    private let condition = NSCondition()
    private var result: EvaluationResult?

    init(_ request: EvaluationRequest) { self.request = request }

    func fulfil(_ result: EvaluationResult) {
        condition.lock()
        self.result = result
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> EvaluationResult {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result { return result }
            condition.wait()
        }
    }
}

/// The farm as an ``Evaluator``: each evaluation is a request to the broker, named by the island,
/// the loss's fingerprint and the stage, so the same request after a restart has the same id.
public struct FarmEvaluator: Evaluator {
    public let taskHash: String
    let island: Int
    let client: FarmClient

    public init(taskHash: String, island: Int, client: FarmClient) {
        (self.taskHash, self.island, self.client) = (taskHash, island, client)
    }

    public func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
        let fingerprint = loss.fingerprint.hex
        return client.evaluate(
            EvaluationRequest(
                requestID: "island-\(island):\(fingerprint):\(stage.rawValue)", taskHash: taskHash,
                fingerprint: fingerprint, stage: stage, name: name, source: loss.canonicalForm))
    }
}
