import Cluster
import Foundation

extension SlurmLauncher {
    /// Submits every planned process Slurm does not hold (all of them at first; after a job ended,
    /// by `scancel`, a time limit or preemption, just that one: its state is on the shared disk, so
    /// it resumes). The workers go as one job array; the farm and each island as a job of their own.
    public func start(_ plan: [PlannedProcess], executable: String) throws(LaunchError) -> [LaunchedProcess] {
        var jobs = recorded()
        let held = jobs.isEmpty ? [:] : try queue()
        let missing = plan.filter { jobs[$0.name].map { held[$0] == nil } ?? true }
        do {
            let workers = missing.filter { $0.name.hasPrefix("worker-") }
            if let first = workers.first {
                let indices = workers.compactMap { Int($0.name.dropFirst("worker-".count)) }
                let cpus = config.launcher.cpusPerWorker ?? config.farm.threadsPerWorker
                jobs.merge(
                    try submit(
                        name: "worker", executable: executable, arguments: first.arguments, cpus: cpus, gpus: config.launcher.gpusPerWorker,
                        array: indices)
                ) { $1 }
            }
            for process in missing where !process.name.hasPrefix("worker-") {
                jobs.merge(try submit(name: process.name, executable: executable, arguments: process.arguments, cpus: 1)) { $1 }
            }
            try record(jobs)
        } catch {
            try? record(jobs)
            throw error as? LaunchError ?? LaunchError("\(error)")
        }
        let now = (try? queue()) ?? [:]
        return plan.map { process in
            let job = jobs[process.name] ?? "?"
            let how = missing.contains { $0.name == process.name } ? "submitted" : "already queued"
            let state = now[job].map { " (\($0.description))" } ?? ""
            return LaunchedProcess(name: process.name, handle: "job \(job)", note: how + state, log: "\(logDirectory)/\(process.name).log")
        }
    }

    /// Whether Slurm holds the named process's job (asking Slurm at most once a second).
    public func isAlive(_ name: String) -> Bool {
        guard let job = recorded()[name] else { return false }
        return (try? recentQueue())?[job] != nil
    }

    public var hasStarted: Bool { !recorded().isEmpty }

    /// Keeps the job's record: `up` again resubmits whatever Slurm no longer holds.
    public func forget(_ name: String) {}

    /// Cancels the jobs `start` submitted (islands, then workers, then the farm: `scancel` sends
    /// SIGTERM, so each stores its state and exits) and waits until Slurm holds none of them, past
    /// Slurm's KillWait (30 s by default) after the grace. Then forgets the jobs and the endpoints
    /// the processes published.
    public func stop(grace: Double, report: (StoppedProcess) -> Void) throws(LaunchError) {
        let jobs = recorded()
        for rank in 0...2 {
            let members = jobs.filter { PlannedProcess.stoppingRank($0.key) == rank }.sorted { $0.key < $1.key }
            guard !members.isEmpty else { continue }
            let held = try queue()
            let live = members.filter { held[$0.value] != nil }
            try cancel(live.map(\.value))
            let started = Date()
            let limit = grace + 35
            var waiting = live
            while !waiting.isEmpty, Date() < started.addingTimeInterval(limit) {
                Thread.sleep(forTimeInterval: 0.2)
                let now = try queue()
                waiting = waiting.filter { now[$0.value] != nil }
            }
            for (name, job) in members {
                let outcome: StoppedProcess.Outcome =
                    !live.contains(where: { $0.value == job })
                    ? .notRunning
                    : waiting.contains(where: { $0.value == job }) ? .outlastedGrace(seconds: limit) : .stopped(seconds: Date().timeIntervalSince(started))
                report(StoppedProcess(name: name, handle: "job \(job)", outcome: outcome))
            }
        }
        try? FileManager.default.removeItem(atPath: jobsFile)
        // Where the stopped processes listened: the next start publishes anew.
        try? FileManager.default.removeItem(atPath: config.endpoints.directory)
    }
}
