import Evaluation
import Foundation
import Wire

extension BrokerState {
    /// A worker's result: kept as its opinion; once enough opinions agree (one, or two for an
    /// audited job) it is cached and sent to every island waiting for it, and workers that
    /// disagreed with it are quarantined. `result` is the result's JSON as the worker wrote it.
    public func result(_ result: Data, job id: Int64, from identity: Data, now: Double) -> [Outgoing] {
        workers[identity]?.jobs.remove(id)
        workers[identity]?.lastSeen = now
        if let name = workers[identity]?.name, quarantine[name] != nil {
            counters.quarantinedResults += 1
            return dispatch()
        }
        guard var job = jobs[id], job.assigned.contains(identity) else {
            counters.lateResults += 1  // re-queued and finished elsewhere, or from a previous broker life
            return dispatch()
        }
        job.assigned.remove(identity)
        job.excluded.insert(identity)
        guard let parsed = EvaluationResult(wire: result), parsed.stage == job.request.stage, parsed.isWellFormed else {
            // Believed, it would fail the candidate on every island that asked, and a failed loss is
            // never trained again: the job goes back to the front of the queue, for another worker.
            counters.malformedResults += 1
            jobs[id] = job
            requeue(id)
            let name = workers[identity]?.name ?? identity.workerName
            return quarantine(name, reason: "answered job \(id) with something that is not an evaluation result of it") + dispatch()
        }
        job.opinions.append(Opinion(worker: identity, json: result, result: parsed))
        jobs[id] = job
        if job.audited { workers[identity]?.audits += 1 }
        if job.opinions.count == 2, agreement(job.opinions).count == 2 {
            counters.disagreements += 1
            let names = job.opinions.map { workers[$0.worker]?.name ?? $0.worker.workerName }.joined(separator: " and ")
            let waiting = eligible(for: job, free: false).isEmpty ? "; no third worker of its task is connected: the job waits for one" : ""
            events.append("workers \(names) disagree on \(job.request.name) (job \(id)): a third worker decides\(waiting)")
        }
        return settle(id) + dispatch()
    }

    /// The opinions grouped by agreement, largest group first (ties: the group answered first).
    func agreement(_ opinions: [Opinion]) -> [[Opinion]] {
        var groups: [[Opinion]] = []
        for opinion in opinions {
            let tolerance = audit.tolerances[opinion.result.stage] ?? 0
            if let index = groups.firstIndex(where: { $0[0].result.agrees(with: opinion.result, tolerance: tolerance) }) {
                groups[index].append(opinion)
            } else {
                groups.append([opinion])
            }
        }
        return groups.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }.map(\.element)
    }

    /// Opinions of one result a job needs before it is accepted.
    func quorum(_ job: Job) -> Int { job.audited ? 2 : 1 }

    /// How many more workers a job needs now (beyond those running it).
    func missing(_ job: Job) -> Int {
        let agreeing = agreement(job.opinions).first?.count ?? 0
        let room = audit.maximumOpinions - job.opinions.count - job.assigned.count
        return max(0, min(quorum(job) - agreeing - job.assigned.count, room))
    }

    /// Accepts a job whose opinions reached its quorum, fails one that can get no more, or asks for another opinion.
    func settle(_ id: Int64) -> [Outgoing] {
        guard let job = jobs[id] else { return [] }
        let groups = agreement(job.opinions)
        guard let accepted = groups.first, accepted.count >= quorum(job) else {
            if missing(job) > 0 { requeue(id) }
            if job.assigned.isEmpty, job.opinions.count >= audit.maximumOpinions { return unresolved(id) }
            return []
        }
        var out = accept(id, accepted[0], verified: accepted.count >= 2)
        if job.audited { counters.audited += 1 }
        let fitness = accepted[0].result.fitness.map { "\($0)" } ?? "failed"
        for dissent in groups.dropFirst().joined() {
            let name = workers[dissent.worker]?.name ?? dissent.worker.workerName
            let theirs = dissent.result.fitness.map { "\($0)" } ?? "failed"
            let audits = workers[dissent.worker]?.audits ?? 0
            out += quarantine(
                name,
                reason: "its result for \(job.request.name) (job \(id), stage \(job.request.stage.rawValue), its audited job no. \(audits)) was "
                    + "\(theirs); \(accepted.count) other workers agreed on \(fitness)")
        }
        return out
    }

    /// Caches a job's result and sends it to its waiters (or, for a correction, to every island).
    func accept(_ id: Int64, _ opinion: Opinion, verified: Bool) -> [Outgoing] {
        guard let job = jobs[id] else { return [] }
        let request = job.request
        let worker = workers[opinion.worker]?.name ?? opinion.worker.workerName
        cache.store(
            .init(json: opinion.json, name: request.name, source: request.source, worker: worker, verified: verified), for: request.cacheKey)
        jobs[id] = nil
        jobByKey[request.cacheKey] = nil
        queue.removeAll { $0 == id }
        for other in job.assigned { workers[other]?.jobs.remove(id) }  // an auditor still running it: its answer comes late
        counters.done += 1
        // The first waiter asked for the training; the others joined it and count as served from cache.
        var out: [Outgoing] = job.waiters.enumerated().map { index, waiter in
            .reply(island: waiter.island, EvaluationReply(requestID: waiter.requestID, cached: index > 0), result: opinion.json)
        }
        if job.correction {
            let correction = EvaluationCorrection(taskHash: request.taskHash, fingerprint: request.fingerprint, stage: request.stage)
            out += islands.sorted { $0.lexicographicallyPrecedes($1) }.map { .correction(island: $0, correction, result: opinion.json) }
            counters.corrections += 1
            sentCorrections.append((request.cacheKey, opinion.json))
        }
        return out
    }

    /// A job whose workers never agreed: its waiters get a failure, nothing is cached, nobody is blamed.
    func unresolved(_ id: Int64) -> [Outgoing] {
        guard let job = jobs[id] else { return [] }
        jobs[id] = nil
        jobByKey[job.request.cacheKey] = nil
        queue.removeAll { $0 == id }
        counters.unresolved += 1
        let reason = "the farm's workers disagree on this result: \(job.opinions.count) answers, no two alike"
        events.append("job \(id) (\(job.request.name)) unresolved: \(job.opinions.count) workers gave \(job.opinions.count) different results")
        let failure = Envelope.encode(EvaluationResult.failure(reason, stage: job.request.stage, seconds: 0))
        return job.waiters.map { .reply(island: $0.island, EvaluationReply(requestID: $0.requestID, cached: false), result: failure) }
    }
}
