import Evaluation
import Foundation
import Storage

/// The broker's bookkeeping (docs/architecture.md §8), with no sockets: jobs, the queue, workers and their
/// liveness, audits and quarantine, and where each result goes. ``BrokerServer`` feeds it messages
/// and sends what it returns.
///
/// One job per distinct (fingerprint, task, stage) in flight: a request that repeats one (a re-send,
/// or the same loss from another island) waits on the same job, and a request whose result is
/// cached is answered at once. Either way the loss is trained once, or, when the job is audited,
/// twice on two workers that must agree (docs/farm-trust.md).
public final class BrokerState {
    /// Who is waiting for a job: an island's routing id and its request id.
    public struct Waiter: Hashable, Sendable {
        public var island: Data
        public var requestID: String
    }

    /// One worker's answer to a job.
    struct Opinion {
        var worker: Data
        var json: Data
        var result: EvaluationResult
    }

    struct Job {
        var request: EvaluationRequest
        var waiters: [Waiter]
        /// Accepted only once two workers agree on its result.
        var audited: Bool
        /// A purged result trained again: its result goes to every island as a correction.
        var correction = false
        /// Workers running it now.
        var assigned: Set<Data> = []
        var opinions: [Opinion] = []
        /// Workers that had it (answered, refused, or were quarantined): never given it again.
        var excluded: Set<Data> = []
    }

    struct Worker {
        var taskHash: String
        var capacity: Int
        /// The name it is logged, shown and quarantined by.
        var name: String
        /// The host it connects from, as the socket saw it: audits prefer another host.
        var host: String
        var jobs: Set<Int64> = []
        var lastSeen: Double
        /// Audited jobs it answered (well-formed).
        var audits = 0
    }

    /// A message to send: to an island (a reply or a correction) or to a worker (a job).
    public enum Outgoing {
        /// The reply's header and the result's JSON.
        case reply(island: Data, EvaluationReply, result: Data)
        /// A result an island may hold from a quarantined worker, trained again.
        case correction(island: Data, EvaluationCorrection, result: Data)
        case job(worker: Data, JobMessage)
    }

    public struct Counters: Sendable {
        public var done = 0, cacheHits = 0, requeued = 0, dropped = 0, lateResults = 0
        /// Results that were not an evaluation result of their job (not one, or of another stage):
        /// never cached nor passed on; the job went to another worker, and the worker to quarantine.
        public var malformedResults = 0
        /// Jobs accepted on two agreeing results, jobs where two workers disagreed, audited jobs
        /// accepted on one result because no other worker of their task was left, and jobs whose
        /// workers never agreed (failed).
        public var audited = 0, disagreements = 0, auditsSkipped = 0, unresolved = 0
        /// Results purged with a quarantined worker, corrections sent, results from quarantined workers ignored.
        public var purged = 0, corrections = 0, quarantinedResults = 0
    }

    let cache: ResultCache
    let heartbeatTimeout: Double
    let audit: AuditPolicy
    var jobs: [Int64: Job] = [:]
    var queue: [Int64] = []
    var jobByKey: [CacheKey: Int64] = [:]
    var workers: [Data: Worker] = [:]
    /// Quarantined worker names and why.
    public internal(set) var quarantine: [String: String]
    /// Every island that asked for something: corrections go to them all.
    var islands: Set<Data> = []
    /// Job numbers start from the clock so that a restarted broker never reuses one that a worker
    /// of its previous life may still answer.
    var nextJob = Int64(Date().timeIntervalSince1970 * 1_000) << 12
    public internal(set) var counters = Counters()
    /// Corrections sent this turn: no longer pending once their results are on disk (``flush()``).
    var sentCorrections: [(key: CacheKey, result: Data)] = []
    /// What happened that the server should log (a quarantine, a purge), oldest first; the server drains it.
    public internal(set) var events: [String] = []

    public init(cache: ResultCache, heartbeatTimeout: Double, audit: AuditPolicy = .off) throws {
        self.cache = cache
        self.heartbeatTimeout = heartbeatTimeout
        self.audit = audit
        quarantine = try cache.quarantined()
        for pending in try cache.pendingCorrections() { enqueueCorrection(pending) }
    }

    public var queueLength: Int { queue.count }
    public var inflight: Int { jobs.count - queue.count }
    public var workerCount: Int { workers.count }

    public func countDropped() { counters.dropped += 1 }

    /// Writes the results accepted since the last call, then forgets the pending corrections sent
    /// meanwhile: a broker killed in between trains them again rather than losing them. Returns the
    /// vacuum of the cache's file that followed an eviction, if one was due.
    @discardableResult
    public func flush() throws -> FileUpkeep.Outcome? {
        let vacuum = try cache.flush()
        for (key, result) in sentCorrections { try cache.corrected(key, result: result) }
        sentCorrections.removeAll()
        return vacuum
    }

    /// Hands over the events recorded since the last call.
    public func drainEvents() -> [String] {
        defer { events.removeAll() }
        return events
    }

    /// An island (re)connected: it is sent every correction made so far (applying one twice changes
    /// nothing), so that an island that was down when a correction went out still gets it.
    public func hello(from island: Data) -> [Outgoing] {
        islands.insert(island)
        let corrections: [(key: CacheKey, result: Data)]
        do { corrections = try cache.corrections() } catch {
            events.append("the corrections could not be read for \(island.workerName): \(error)")
            return []
        }
        return corrections.map { key, result in
            .correction(island: island, EvaluationCorrection(taskHash: key.taskHash, fingerprint: key.fingerprint, stage: key.stage), result: result)
        }
    }

    /// An island's request: answered from the cache, joined to a live job, or queued. An island's
    /// first request in this broker's life brings it the corrections made so far (a broker restarted
    /// since the island said hello).
    public func submit(_ request: EvaluationRequest, from island: Data) -> [Outgoing] {
        (islands.contains(island) ? [] : hello(from: island)) + answer(request, from: island)
    }

    private func answer(_ request: EvaluationRequest, from island: Data) -> [Outgoing] {
        let waiter = Waiter(island: island, requestID: request.requestID)
        if let cached = cache.result(for: request.cacheKey) {
            counters.cacheHits += 1
            return [.reply(island: island, EvaluationReply(requestID: request.requestID, cached: true), result: cached)]
        }
        if let id = jobByKey[request.cacheKey], var job = jobs[id] {
            if let index = job.waiters.firstIndex(where: { $0.requestID == request.requestID }) {
                job.waiters[index] = waiter  // a re-send: the island may have reconnected
            } else {
                job.waiters.append(waiter)  // the same loss from elsewhere: trained once, served twice
                counters.cacheHits += 1
            }
            jobs[id] = job
            return dispatch()
        }
        addJob(Job(request: request, waiters: [waiter], audited: audit.draws(request.stage)))
        return dispatch()
    }

    func addJob(_ job: Job) {
        nextJob += 1
        jobs[nextJob] = job
        jobByKey[job.request.cacheKey] = nextJob
        queue.append(nextJob)
    }

    /// A worker announced itself (or beat while unknown, after a broker restart). `name` defaults
    /// to its routing id as text; `host` to its name.
    public func workerReady(
        _ identity: Data, taskHash: String, capacity: Int, now: Double, name: String? = nil, host: String? = nil
    ) -> [Outgoing] {
        if var known = workers[identity] {
            known.lastSeen = now
            known.capacity = max(1, capacity)
            workers[identity] = known
        } else {
            let name = name ?? identity.workerName
            workers[identity] = Worker(taskHash: taskHash, capacity: max(1, capacity), name: name, host: host ?? name, lastSeen: now)
        }
        return dispatch()
    }

    public func heartbeat(_ identity: Data, now: Double) -> Bool {
        guard workers[identity] != nil else { return false }
        workers[identity]?.lastSeen = now
        return true
    }

    /// Forgets workers whose heartbeats stopped and puts their jobs back at the front of the queue.
    public func expireWorkers(now: Double) -> [Outgoing] {
        let dead = workers.filter { now - $0.value.lastSeen > heartbeatTimeout }.keys
        guard !dead.isEmpty else { return [] }
        for identity in dead { remove(identity, excluded: false) }
        return dispatch()
    }

    /// Forgets a worker at once (its host's key was revoked): its jobs go back to the front of the
    /// queue, never to it again. Nil when the worker was not known.
    public func forget(_ identity: Data) -> [Outgoing]? {
        guard workers[identity] != nil else { return nil }
        remove(identity, excluded: true)
        return dispatch()
    }

    /// Removes a worker and puts the jobs it was running back at the front of the queue; `excluded`
    /// keeps them from it should it come back.
    private func remove(_ identity: Data, excluded: Bool) {
        guard let worker = workers.removeValue(forKey: identity) else { return }
        for id in worker.jobs.sorted() where jobs[id]?.assigned.contains(identity) == true {
            jobs[id]?.assigned.remove(identity)
            if excluded { jobs[id]?.excluded.insert(identity) }
            requeue(id)
            counters.requeued += 1
        }
    }

    /// Puts a job that needs another worker at the front of the queue (once).
    func requeue(_ id: Int64) {
        guard !queue.contains(id) else { return }
        queue.insert(id, at: 0)
    }
}

extension Data {
    /// A worker's routing id as a name: its text when it is printable ASCII (evod's workers name
    /// themselves `worker-HOST-PID-N`), else its bytes in hex (ZeroMQ's own ids are binary).
    var workerName: String {
        if !isEmpty, allSatisfy({ (0x21...0x7e).contains($0) }) { return String(decoding: self, as: UTF8.self) }
        return map { String(format: "%02x", $0) }.joined()
    }
}
