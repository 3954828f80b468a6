import Evaluation
import Foundation

extension BrokerState {
    /// Hands queued jobs to idle workers of the same task, least loaded first; an audit's second
    /// worker on another host where one is free. A job stays queued while it needs more workers.
    func dispatch() -> [Outgoing] {
        var out: [Outgoing] = []
        var index = 0
        while index < queue.count, workers.values.contains(where: { $0.jobs.count < $0.capacity }) {
            let id = queue[index]
            guard let job = jobs[id] else { queue.remove(at: index); continue }
            guard missing(job) > 0 else { queue.remove(at: index); continue }
            guard let chosen = worker(for: job) else {
                if let settled = acceptAlone(id) { out += settled; continue }
                index += 1
                continue
            }
            jobs[id]?.assigned.insert(chosen)
            workers[chosen]?.jobs.insert(id)
            let request = job.request
            out.append(
                .job(
                    worker: chosen,
                    JobMessage(job: id, taskHash: request.taskHash, stage: request.stage, name: request.name, source: request.source)))
            if let updated = jobs[id], missing(updated) == 0 { queue.remove(at: index) }
        }
        return out
    }

    /// Workers that may take `job` now: of its task, with room, not quarantined, not already had it.
    func eligible(for job: Job, free: Bool = true) -> [Data: Worker] {
        workers.filter { identity, worker in
            worker.taskHash == job.request.taskHash && (!free || worker.jobs.count < worker.capacity) && quarantine[worker.name] == nil
                && !job.excluded.contains(identity) && !job.assigned.contains(identity)
        }
    }

    /// The worker for a job's next run: on a host none of its other workers is on where one is
    /// free, least loaded first.
    func worker(for job: Job) -> Data? {
        let candidates = eligible(for: job)
        let used = Set((job.assigned.union(job.opinions.map(\.worker))).compactMap { workers[$0]?.host })
        let order: ((key: Data, value: Worker)) -> (Int, Int, String) = { (used.contains($0.value.host) ? 1 : 0, $0.value.jobs.count, $0.key.base64EncodedString()) }
        return candidates.min { order($0) < order($1) }?.key
    }

    /// An audited job with one answer and no other worker of its task connected at all: accepted
    /// on that answer, unaudited (a laptop with one worker), rather than waiting for ever. A job
    /// whose workers disagreed keeps waiting for a further opinion.
    func acceptAlone(_ id: Int64) -> [Outgoing]? {
        guard let job = jobs[id], job.audited, job.assigned.isEmpty, job.opinions.count == 1, eligible(for: job, free: false).isEmpty
        else { return nil }
        counters.auditsSkipped += 1
        return accept(id, job.opinions[0], verified: false)
    }
}
