import Evaluation
import Foundation

/// The broker's bookkeeping (docs/architecture.md §8), with no sockets: jobs, the queue, workers and their
/// liveness, and where each result goes. ``BrokerServer`` feeds it messages and sends what it returns.
///
/// One job per distinct (fingerprint, task, stage) in flight: a request that repeats one (a re-send,
/// or the same loss from another island) waits on the same job, and a request whose result is
/// cached is answered at once. Either way the loss is trained once.
public final class BrokerState {
    /// Who is waiting for a job: an island's routing id and its request id.
    public struct Waiter: Hashable, Sendable {
        public var island: Data
        public var requestID: String
    }

    struct Job {
        var request: EvaluationRequest
        var waiters: [Waiter]
        var worker: Data?
        /// Workers whose result for this job was not an evaluation result: it goes to others.
        var refusedFrom: Set<Data> = []
    }

    struct Worker {
        var taskHash: String
        var capacity: Int
        var jobs: Set<Int64> = []
        var lastSeen: Double
    }

    /// A message to send: to an island (a reply) or to a worker (a job).
    public enum Outgoing {
        /// The reply's header and the result's JSON.
        case reply(island: Data, EvaluationReply, result: Data)
        case job(worker: Data, JobMessage)
    }

    public struct Counters: Sendable {
        public var done = 0, cacheHits = 0, requeued = 0, dropped = 0, lateResults = 0
        /// Results that were not an evaluation result of their job (not one, or of another stage):
        /// never cached nor passed on; the job went to another worker.
        public var malformedResults = 0
    }

    let cache: ResultCache
    let heartbeatTimeout: Double
    private var jobs: [Int64: Job] = [:]
    private var queue: [Int64] = []
    private var jobByKey: [CacheKey: Int64] = [:]
    private var workers: [Data: Worker] = [:]
    /// Job numbers start from the clock so that a restarted broker never reuses one that a worker
    /// of its previous life may still answer.
    private var nextJob = Int64(Date().timeIntervalSince1970 * 1_000) << 12
    public private(set) var counters = Counters()

    public init(cache: ResultCache, heartbeatTimeout: Double) {
        self.cache = cache
        self.heartbeatTimeout = heartbeatTimeout
    }

    public var queueLength: Int { queue.count }
    public var inflight: Int { jobs.count - queue.count }
    public var workerCount: Int { workers.count }

    public func countDropped() { counters.dropped += 1 }

    /// An island's request: answered from the cache, joined to a live job, or queued.
    public func submit(_ request: EvaluationRequest, from island: Data) -> [Outgoing] {
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
        nextJob += 1
        jobs[nextJob] = Job(request: request, waiters: [waiter])
        jobByKey[request.cacheKey] = nextJob
        queue.append(nextJob)
        return dispatch()
    }

    /// A worker announced itself (or beat while unknown, after a broker restart).
    public func workerReady(_ identity: Data, taskHash: String, capacity: Int, now: Double) -> [Outgoing] {
        if var known = workers[identity] {
            known.lastSeen = now
            known.capacity = max(1, capacity)
            workers[identity] = known
        } else {
            workers[identity] = Worker(taskHash: taskHash, capacity: max(1, capacity), lastSeen: now)
        }
        return dispatch()
    }

    public func heartbeat(_ identity: Data, now: Double) -> Bool {
        guard workers[identity] != nil else { return false }
        workers[identity]?.lastSeen = now
        return true
    }

    /// A worker's result: cached, then sent to every island waiting for it.
    /// `result` is the result's JSON as the worker wrote it.
    public func result(_ result: Data, job id: Int64, from identity: Data, now: Double) -> [Outgoing] {
        workers[identity]?.jobs.remove(id)
        workers[identity]?.lastSeen = now
        guard var job = jobs[id], job.worker == identity else {
            counters.lateResults += 1  // re-queued and finished elsewhere, or from a previous broker life
            return dispatch()
        }
        guard Self.isEvaluationResult(result, of: job.request) else {
            // Believed, it would fail the candidate on every island that asked, and a failed loss is
            // never trained again: the job goes back to the front of the queue, for another worker.
            counters.malformedResults += 1
            job.worker = nil
            job.refusedFrom.insert(identity)
            jobs[id] = job
            queue.insert(id, at: 0)
            return dispatch()
        }
        cache.store(result, for: job.request.cacheKey)
        jobs[id] = nil
        jobByKey[job.request.cacheKey] = nil
        counters.done += 1
        // The first waiter asked for the training; the others joined it and count as served from cache.
        return job.waiters.enumerated().map { index, waiter in
            .reply(island: waiter.island, EvaluationReply(requestID: waiter.requestID, cached: index > 0), result: result)
        } + dispatch()
    }

    /// Forgets workers whose heartbeats stopped and puts their jobs back at the front of the queue.
    public func expireWorkers(now: Double) -> [Outgoing] {
        let dead = workers.filter { now - $0.value.lastSeen > heartbeatTimeout }
        guard !dead.isEmpty else { return [] }
        for (identity, worker) in dead {
            workers[identity] = nil
            for id in worker.jobs.sorted() where jobs[id] != nil {
                jobs[id]?.worker = nil
                queue.insert(id, at: 0)
                counters.requeued += 1
            }
        }
        return dispatch()
    }

    /// Hands queued jobs to idle workers of the same task, least loaded first.
    func dispatch() -> [Outgoing] {
        var out: [Outgoing] = []
        var index = 0
        while index < queue.count, workers.values.contains(where: { $0.jobs.count < $0.capacity }) {
            let id = queue[index]
            guard let job = jobs[id] else { queue.remove(at: index); continue }
            let candidates = workers.filter {
                $0.value.taskHash == job.request.taskHash && $0.value.jobs.count < $0.value.capacity && !job.refusedFrom.contains($0.key)
            }
            guard let chosen = candidates.min(by: { ($0.value.jobs.count, $0.key.base64EncodedString()) < ($1.value.jobs.count, $1.key.base64EncodedString()) })?.key else {
                index += 1
                continue
            }
            queue.remove(at: index)
            jobs[id]?.worker = chosen
            workers[chosen]?.jobs.insert(id)
            let request = job.request
            out.append(
                .job(
                    worker: chosen,
                    JobMessage(
                        job: id, taskHash: request.taskHash, stage: request.stage,
                        name: request.name, source: request.source)))
        }
        return out
    }
}
