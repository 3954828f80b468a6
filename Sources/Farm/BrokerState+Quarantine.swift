import Foundation

extension BrokerState {
    /// Quarantines a worker by name: it gets no more jobs, its running jobs go to others, its
    /// answers to jobs not yet settled are dropped, and every result it produced that no other
    /// worker confirmed is purged from the cache and trained again, its new result sent to every
    /// island as a correction. Kept in the cache's file: a restarted broker still refuses it.
    func quarantine(_ name: String, reason: String) -> [Outgoing] {
        guard quarantine[name] == nil else { return [] }
        quarantine[name] = reason
        do { try cache.quarantine(worker: name, reason: reason) } catch { events.append("the quarantine of \(name) could not be written: \(error)") }
        let identities = Set(workers.filter { $0.value.name == name }.keys)
        var out: [Outgoing] = []
        for id in jobs.keys.sorted() {
            guard var job = jobs[id] else { continue }
            let running = job.assigned.intersection(identities)
            let answered = job.opinions.filter { identities.contains($0.worker) }.count
            guard !running.isEmpty || answered > 0 else { continue }
            job.assigned.subtract(running)
            job.opinions.removeAll { identities.contains($0.worker) }
            job.excluded.formUnion(identities)
            jobs[id] = job
            out += settle(id)  // what is left may already agree; else the job is queued for another worker
        }
        for identity in identities { workers[identity]?.jobs.removeAll() }
        var purged: [ResultCache.PurgedResult] = []
        do { purged = try cache.purge(worker: name) } catch { events.append("the results of \(name) could not be purged: \(error)") }
        counters.purged += purged.count
        for result in purged { enqueueCorrection(result) }
        events.append("worker \(name) quarantined: \(reason); \(purged.count) of its results purged from the cache, to be trained again")
        return out
    }

    /// Queues a purged result to be trained again; its result then goes to every island.
    func enqueueCorrection(_ purged: ResultCache.PurgedResult) {
        if let id = jobByKey[purged.key] {
            jobs[id]?.correction = true
            return
        }
        let request = EvaluationRequest(
            requestID: "correction:\(purged.key.fingerprint):\(purged.key.stage.rawValue)", taskHash: purged.key.taskHash,
            fingerprint: purged.key.fingerprint, stage: purged.key.stage, name: purged.name, source: purged.source)
        var job = Job(request: request, waiters: [], audited: audit.draws(request.stage))
        job.correction = true
        addJob(job)
    }

    /// Lifts a worker's quarantine (`evoctl farm release NAME`): it gets jobs again. Returns whether it was quarantined.
    public func release(_ name: String) throws -> Bool {
        guard quarantine.removeValue(forKey: name) != nil else { return false }
        _ = try cache.release(worker: name)
        events.append("worker \(name) released from quarantine by the operator")
        return true
    }

    /// The quarantined workers, by name, with why and whether they are still connected.
    public var quarantinedWorkers: [(name: String, reason: String, connected: Bool)] {
        let connected = Set(workers.values.map(\.name))
        return quarantine.sorted { $0.key < $1.key }.map { ($0.key, $0.value, connected.contains($0.key)) }
    }
}
