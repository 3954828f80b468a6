import Cluster
import Control
import Evaluation
import Foundation
import Logging
import Model
import Storage
import Synchronization
import Wire

/// The farm broker's sockets (docs/architecture.md §8): a ROUTER for islands, a ROUTER for workers and a REP
/// control endpoint, served by one thread around a ``BrokerState``. Frames that are not a message
/// of this protocol are counted and dropped; nothing a peer sends stops the loop.
public final class BrokerServer: Sendable {
    public let settings: FarmSettings
    let state: Mutex<BrokerState>
    let started = Date()
    let token: String
    let security: SocketSecurity
    /// Called with the bound endpoints (islands, workers, control) once listening: publishes them under Slurm.
    let publish: @Sendable ([String]) throws -> Void
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    /// Nanoseconds the loop spent handling messages (not waiting): the broker's own cost.
    private let busyNanoseconds = Atomic<UInt64>(0)
    /// The endpoints as bound (islands, workers, control), once listening; ports chosen by the
    /// kernel for `tcp://host:*` are filled in.
    public let boundEndpoints = Mutex<[String]?>(nil)

    public init(
        settings: FarmSettings, audit: AuditPolicy, cache: ResultCache, token: String, security: SocketSecurity,
        publish: @escaping @Sendable ([String]) throws -> Void = { _ in }, logger: Logger
    ) throws {
        self.settings = settings
        (self.token, self.security, self.publish) = (token, security, publish)
        self.logger = logger
        state = Mutex(try BrokerState(cache: cache, heartbeatTimeout: settings.heartbeatTimeout, audit: audit))
    }

    /// Asks the loop to return (from any thread); it notices within 100 ms.
    public func stop() { stopping.store(true, ordering: .relaxed) }
    public var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Binds the endpoints and serves until ``stop()`` or a `stop` control command.
    public func run() throws {
        let context = ZMQContext()
        let islands = try ZMQSocket(context, type: ZMQSocket.router, maximumMessageSize: ZMQSocket.hardMessageLimit)
        try islands.enableRouterHandover()
        try islands.bind(settings.islandsEndpoint, security: security)
        let workers = try ZMQSocket(context, type: ZMQSocket.router, maximumMessageSize: ZMQSocket.hardMessageLimit)
        try workers.enableRouterHandover()
        try workers.bind(settings.workersEndpoint, security: security)
        let control = try ZMQSocket(context, type: ZMQSocket.reply, maximumMessageSize: ZMQSocket.hardMessageLimit)
        try control.bind(settings.controlEndpoint, security: security)
        let bound = [islands, workers, control].map { $0.lastEndpoint ?? "?" }
        boundEndpoints.withLock { $0 = bound }
        try publish(bound)
        var poller = Poller()
        poller.add(islands)
        poller.add(workers)
        poller.add(control)
        logger.info(
            "farm broker listening",
            metadata: [
                "islands": "\(settings.islandsEndpoint)", "workers": "\(settings.workersEndpoint)",
                "control": "\(settings.controlEndpoint)", "security": "\(security)", "cached": "\(state.withLock { $0.cache.count })",
            ])
        var lastExpiry = 0.0
        while !isStopping {
            let ready = try poller.poll(milliseconds: 100)
            let busySince = DispatchTime.now().uptimeNanoseconds
            defer { busyNanoseconds.add(DispatchTime.now().uptimeNanoseconds - busySince, ordering: .relaxed) }
            let now = Date().timeIntervalSince1970
            var outgoing: [BrokerState.Outgoing] = []
            if ready.contains(0) {
                while let (frames, _, userID) = try islands.receiveWithPeer(dontWait: true) {
                    // Only islands (the cluster key) ask for evaluations; a host key runs workers.
                    outgoing += security.isClusterPeer(userID: userID) ? handleIsland(frames) : drop("a request from host \(userID ?? "?")'s key", endpoint: "islands")
                }
            }
            if ready.contains(1) {
                while let (frames, peer, userID) = try workers.receiveWithPeer(dontWait: true) {
                    outgoing += handleWorker(frames, peer: peer, userID: userID, now: now)
                }
            }
            if ready.contains(2) { while let frames = try control.receive(dontWait: true) { try control.send(handleControl(frames)) } }
            for event in state.withLock({ $0.drainEvents() }) { logger.warning("\(event)") }
            if now - lastExpiry >= settings.heartbeatInterval / 2 {
                lastExpiry = now
                outgoing += state.withLock { $0.expireWorkers(now: now) }
            }
            // Results reach the disk before any island hears of them.
            do { try state.withLock { try $0.flush() }?.log(to: logger, file: "result cache") } catch {
                logger.error("the result cache could not be written; retrying next turn", metadata: ["error": "\(error)"])
            }
            for message in outgoing {
                switch message {
                case let .reply(island, reply, result):
                    let sent = try islands.send([island, Envelope.encode(reply), result], dontWait: true)
                    logger.debug(
                        "result sent",
                        metadata: [
                            "island": "\(String(decoding: island, as: UTF8.self))", "request": "\(reply.requestID)",
                            "cached": "\(reply.cached)", "queued": "\(sent)",
                        ])
                case let .correction(island, correction, result):
                    _ = try islands.send([island, Envelope.encode(correction), result], dontWait: true)
                    logger.info(
                        "correction sent",
                        metadata: ["island": "\(String(decoding: island, as: UTF8.self))", "fingerprint": "\(correction.fingerprint)"])
                case let .job(worker, job):
                    _ = try workers.send([worker, Envelope.encode(job)], dontWait: true)
                    logger.debug("job sent", metadata: ["worker": "\(worker.workerName)", "job": "\(job.job)", "name": "\(job.name)"])
                }
            }
        }
        logger.info("farm broker stopped", metadata: ["done": "\(state.withLock { $0.counters.done })"])
    }

    private func drop(_ reason: String, endpoint: String) -> [BrokerState.Outgoing] {
        state.withLock { $0.countDropped() }
        logger.warning("dropped a message", metadata: ["endpoint": "\(endpoint)", "reason": "\(reason)"])
        return []
    }

    func handleIsland(_ frames: [Data]) -> [BrokerState.Outgoing] {
        guard frames.count == 2 else { return drop("expected 1 frame after the routing id, got \(frames.count - 1)", endpoint: "islands") }
        do {
            if try Envelope.type(of: frames[1]) == "hello" {
                _ = try Envelope.decode(IslandHello.self, from: frames[1])
                return state.withLock { $0.hello(from: frames[0]) }
            }
            let request = try Envelope.decode(EvaluationRequest.self, from: frames[1])
            logger.debug("request received", metadata: ["island": "\(String(decoding: frames[0], as: UTF8.self))", "request": "\(request.requestID)"])
            return state.withLock { $0.submit(request, from: frames[0]) }
        } catch {
            return drop("\(error)", endpoint: "islands")
        }
    }

    /// A worker's message. `userID` is what the ZAP handler admitted its connection as: `cluster`,
    /// or the host named by its host key, which then names the worker (not what the worker says);
    /// a host revoked since is refused at its next message, and its jobs go to other workers.
    func handleWorker(_ frames: [Data], peer: String? = nil, userID: String? = nil, now: Double) -> [BrokerState.Outgoing] {
        guard frames.count == 2 || frames.count == 3 else {
            return drop("expected 1 or 2 frames after the routing id, got \(frames.count - 1)", endpoint: "workers")
        }
        let identity = frames[0]
        guard security.admits(userID: userID) else {
            let host = userID ?? "?"
            let out = state.withLock { $0.forget(identity) }
            if let out {
                logger.warning("a revoked host's worker is refused: its jobs go to other workers", metadata: ["host": "\(host)"])
                return out
            }
            return drop("from host \(host), whose key was revoked", endpoint: "workers")
        }
        let hostName = userID.flatMap { $0 == SocketSecurity.clusterUserID || $0.isEmpty ? nil : $0 }
        do {
            let kind = try Envelope.decode(WorkerMessage.self, from: frames[1]).kind()
            switch kind {
            case let .ready(taskHash, capacity), let .heartbeat(taskHash, capacity):
                return state.withLock { state in
                    if case .heartbeat = kind, state.heartbeat(identity, now: now) { return [] }
                    let name = hostName ?? identity.workerName
                    if let reason = state.quarantine[name] {
                        logger.warning("a quarantined worker joined: it gets no jobs", metadata: ["worker": "\(name)", "reason": "\(reason)"])
                    } else {
                        logger.info("worker joined", metadata: ["worker": "\(name)", "host": "\(peer ?? "local")", "threads": "\(capacity)"])
                    }
                    return state.workerReady(identity, taskHash: taskHash, capacity: capacity, now: now, name: name, host: hostName ?? peer)
                }
            case let .result(job):
                // The result itself is passed on as the worker wrote it; the island decodes it.
                guard frames.count == 3, frames[2].first == UInt8(ascii: "{"), frames[2].count <= Envelope.maximumMessageSize else {
                    throw Envelope.Rejection.malformed("'result' needs a second frame with the result's JSON object")
                }
                return state.withLock { state in
                    let malformed = state.counters.malformedResults
                    let out = state.result(frames[2], job: job, from: identity, now: now)
                    if state.counters.malformedResults > malformed {
                        logger.warning(
                            "a worker's result is not an evaluation result of its job: not cached, the job goes to another worker",
                            metadata: ["worker": "\(identity.workerName)", "job": "\(job)"])
                    }
                    return out
                }
            }
        } catch {
            return drop("\(error)", endpoint: "workers")
        }
    }

    /// Status (open) and stop (needs the token): a ``ControlRequest`` in, a ``ControlReply`` out.
    func handleControl(_ frames: [Data]) -> Data {
        let request: ControlRequest
        do {
            guard frames.count == 1 else { throw ControlError.malformedRequest("expected one frame, got \(frames.count)") }
            request = try ControlRequest.decode(from: frames[0])
        } catch {
            _ = drop("\(error)", endpoint: "control")
            return ControlCoding.failure("\(error)")
        }
        switch request {
        case .status: return ControlCoding.success(status())
        case let .stop(given):
            guard given == token else { return ControlCoding.failure("'stop' needs the farm's token (from its state directory)") }
            stop()
            return ControlCoding.success(StateReply(state: .stopping))
        case let .release(worker, given):
            guard given == token else { return ControlCoding.failure("'release' needs the farm's token (from its state directory)") }
            do {
                guard try state.withLock({ try $0.release(worker) }) else {
                    return ControlCoding.failure("no worker named '\(worker)' is quarantined (evoctl status lists them)")
                }
                logger.warning("worker released from quarantine", metadata: ["worker": "\(worker)"])
                return ControlCoding.success(status())
            } catch {
                return ControlCoding.failure("the release of '\(worker)' could not be written: \(error)")
            }
        default:
            _ = drop("not a farm command: \(request.command.rawValue)", endpoint: "control")
            return ControlCoding.failure("'\(request.command.rawValue)' is not a farm command (status, stop, release)")
        }
    }

    /// The farm's answer to `status` (the `farm` object of `evoctl status --json`).
    public func status() -> FarmStatus {
        state.withLock { state in
            var status = FarmStatus()
            (status.workers, status.queue, status.inflight, status.done) = (state.workerCount, state.queueLength, state.inflight, state.counters.done)
            (status.cacheHits, status.requeued, status.droppedMessages) = (state.counters.cacheHits, state.counters.requeued, state.counters.dropped)
            (status.lateResults, status.cachedResults) = (state.counters.lateResults, state.cache.count)
            status.malformedResults = state.counters.malformedResults
            let (c, audit) = (state.counters, state.audit)
            status.audit = FarmAuditStatus(
                share: audit.share, confirmations: audit.confirmations, tolerance: audit.tolerances.values.max() ?? 0,
                unauditedStages: Stage.allCases.filter { audit.tolerances[$0] == nil }.map(\.rawValue), audited: c.audited,
                disagreements: c.disagreements, skipped: c.auditsSkipped, unresolved: c.unresolved, purged: c.purged, corrections: c.corrections,
                quarantined: state.quarantinedWorkers.map { QuarantinedWorker(name: $0.name, reason: $0.reason, connected: $0.connected) })
            status.uptimeSeconds = Date().timeIntervalSince(started)
            status.busySeconds = Double(busyNanoseconds.load(ordering: .relaxed)) / 1e9
            status.security = security.status
            return status
        }
    }
}
