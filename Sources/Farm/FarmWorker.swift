import Evaluation
import Foundation
import Logging
import LossLanguage
import Synchronization
import Wire

/// A farm worker (`evod --worker`): connects a DEALER to the broker, announces its task and thread
/// count, beats, and evaluates the jobs it is given on its own threads. A job's loss arrives as
/// compact source and is parsed into the loss language: nothing received is ever executed.
public final class FarmWorker: Sendable {
    let evaluator: any Evaluator
    /// Where the broker's worker endpoint is now (it may publish late, or move: the socket follows).
    let locateBroker: @Sendable () -> String?
    let threads: Int
    let heartbeatInterval: Double
    let identity: String
    let security: SocketSecurity
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let jobs = JobQueue()
    private let results = Mailbox<[Data]>()
    private let counters = Mutex((done: 0, dropped: 0))

    public convenience init(
        evaluator: any Evaluator, endpoint: String, threads: Int, heartbeatInterval: Double, security: SocketSecurity, logger: Logger
    ) {
        self.init(
            evaluator: evaluator, locateBroker: { endpoint }, threads: threads, heartbeatInterval: heartbeatInterval, security: security,
            logger: logger)
    }

    public init(
        evaluator: any Evaluator, locateBroker: @escaping @Sendable () -> String?, threads: Int, heartbeatInterval: Double,
        security: SocketSecurity, logger: Logger
    ) {
        self.security = security
        self.evaluator = evaluator
        self.locateBroker = locateBroker
        self.threads = max(1, threads)
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
        identity = "worker-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Stops serving: ``run()`` then abandons the evaluations in progress (an external command's
    /// process group is killed) and returns once the evaluator threads have let go of them.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        jobs.close()
    }

    /// Jobs evaluated so far, and messages dropped.
    public var done: Int { counters.withLock { $0.done } }

    /// Serves until ``stop()``, then waits (up to `drainSeconds`) for the evaluator threads, so that
    /// no command outlives the worker. Interrupted jobs are not answered: the broker requeues them
    /// when this worker's heartbeats stop.
    public func run(drainSeconds: Double = 30) throws {
        let evaluating = DispatchGroup()
        for index in 0..<threads {
            evaluating.enter()
            let thread = Thread { [self] in
                evaluateJobs()
                evaluating.leave()
            }
            thread.name = "evaluator-\(index)"
            thread.start()
        }
        defer {
            jobs.close()
            evaluator.interrupt()
            if evaluating.wait(timeout: .now() + drainSeconds) == .timedOut {
                logger.warning("evaluator threads still busy at exit", metadata: ["waited_s": "\(drainSeconds)"])
            }
        }
        let context = ZMQContext()
        let socket = try ZMQSocket(context, type: ZMQSocket.dealer, maximumMessageSize: ZMQSocket.hardMessageLimit)
        try socket.setRoutingID(identity)
        let announce = Envelope.encode(WorkerMessage.ready(taskHash: evaluator.taskHash, capacity: threads))
        var follower = EndpointFollower(security: security, locate: locateBroker)
        let beat = Envelope.encode(WorkerMessage.heartbeat(taskHash: evaluator.taskHash, capacity: threads))
        var poller = Poller()
        poller.add(socket)
        poller.add(fileDescriptor: results.fileDescriptor)
        var lastBeat = Date()
        while !stopping.load(ordering: .relaxed) {
            if try follower.follow(socket) {
                try socket.send(announce)
                logger.info(
                    "worker connected", metadata: ["broker": "\(follower.current ?? "")", "threads": "\(threads)", "task": "\(evaluator.taskHash)"])
            }
            let ready = try poller.poll(milliseconds: Int(heartbeatInterval * 500))
            if ready.contains(0) { while let frames = try socket.receive(dontWait: true) { receive(frames) } }
            if ready.contains(1) {
                // Results finished before the broker was located (never, in practice) are dropped; its re-queue redoes them.
                let finished = results.drain()
                if follower.current != nil { for frames in finished { try socket.send(frames) } }
            }
            if follower.current != nil, Date().timeIntervalSince(lastBeat) >= heartbeatInterval {
                _ = try socket.send([beat], dontWait: true)
                lastBeat = Date()
            }
        }
    }

    private func receive(_ frames: [Data]) {
        do {
            guard frames.count == 1 else { throw Envelope.Rejection.malformed("expected one frame, got \(frames.count)") }
            jobs.push(try Envelope.decode(JobMessage.self, from: frames[0]))
        } catch {
            counters.withLock { $0.dropped += 1 }
            logger.warning("dropped a message from the broker", metadata: ["reason": "\(error)"])
        }
    }

    private func evaluateJobs() {
        while let job = jobs.pop() {
            let result = evaluate(job)
            if result.isInterrupted { continue }
            counters.withLock { $0.done += 1 }
            results.post(WorkerMessage.result(job: job.job, result))
        }
    }

    func evaluate(_ job: JobMessage) -> EvaluationResult {
        guard job.taskHash == evaluator.taskHash else {
            return .failure("this worker runs task \(evaluator.taskHash), not \(job.taskHash)", stage: job.stage, seconds: 0)
        }
        do {
            let graph = try LossParser.parse(job.source).graph
            try LossValidator.validate(graph)
            return evaluator.evaluate(graph, name: job.name, stage: job.stage)
        } catch {
            return .failure("the loss does not parse: \(error.description)", stage: job.stage, seconds: 0)
        }
    }
}

/// A blocking FIFO of jobs shared by a worker's evaluator threads.
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [JobMessage] = []
    private var closed = false

    func push(_ job: JobMessage) {
        condition.lock()
        items.append(job)
        condition.signal()
        condition.unlock()
    }

    /// The next job, waiting for one; nil once closed.
    func pop() -> JobMessage? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !closed { condition.wait() }
        return closed ? nil : items.removeFirst()
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
