import ArgumentParser
import Cluster
import Foundation

extension Up {
    /// Submits every process Slurm does not hold (all of them at first; after a job ended, by
    /// `scancel`, a time limit or preemption, just that one: its state is on the shared disk, so
    /// it resumes), then waits for them as the local launcher does.
    func runSlurm(_ config: ClusterConfig, executable: String) throws {
        let slurm = SlurmLauncher(config: config, workingDirectory: FileManager.default.currentDirectoryPath)
        let queue = SlurmQueue(slurm)
        var jobs = slurm.recorded()
        let planned = plan(config)
        let missing = try planned.filter { try jobs[$0.name].map { try queue.current()[$0] == nil } ?? true }
        do {
            let workers = missing.filter { $0.name.hasPrefix("worker-") }
            if let first = workers.first {
                let indices = workers.compactMap { Int($0.name.dropFirst("worker-".count)) }
                let cpus = config.launcher.cpusPerWorker ?? config.farm.threadsPerWorker
                jobs.merge(
                    try slurm.submit(
                        name: "worker", executable: executable, arguments: first.arguments, cpus: cpus, gpus: config.launcher.gpusPerWorker,
                        array: indices)
                ) { $1 }
            }
            for process in missing where !process.name.hasPrefix("worker-") {
                jobs.merge(try slurm.submit(name: process.name, executable: executable, arguments: process.arguments, cpus: 1)) { $1 }
            }
            try slurm.record(jobs)
        } catch {
            try? slurm.record(jobs)
            throw CommandFailure("\(error)")
        }
        queue.invalidate()
        let daemons = planned.map { ProcessLauncher.Daemon(name: $0.name, pid: 0, log: "\(slurm.logDirectory)/\($0.name).log") }
        let readiness = Readiness(access: try cluster.access(config, timeoutMilliseconds: 500), daemons: daemons) { daemon in
            jobs[daemon.name].map { (try? queue.current())?[$0] != nil } ?? false
        }
        let report = readiness.wait(seconds: wait)
        let held = (try? queue.current()) ?? [:]
        var failed = false
        for daemon in daemons {
            let state = report[daemon.name] ?? .exited
            let job = jobs[daemon.name] ?? "?"
            let how = missing.contains { $0.name == daemon.name } ? "submitted" : "already queued"
            let slurmState = held[job].map { " (\(SlurmLauncher.describe($0)))" } ?? ""
            print("\(daemon.name.padding(toLength: 10, withPad: " ", startingAt: 0)) job \(job) \(how)\(slurmState)  \(state.label)  log \(daemon.log)")
            if state == .exited {
                failed = true
                print(ProcessLauncher.tail(daemon.log).split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// Slurm's queue, asked at most once a second while `up` polls.
final class SlurmQueue {
    private let slurm: SlurmLauncher
    private var cached: (at: Date, jobs: [String: (state: String, node: String)])?

    init(_ slurm: SlurmLauncher) { self.slurm = slurm }

    func current() throws -> [String: (state: String, node: String)] {
        if let cached, Date().timeIntervalSince(cached.at) < 1 { return cached.jobs }
        let jobs: [String: (state: String, node: String)]
        do { jobs = try slurm.queue() } catch { throw CommandFailure("\(error)") }
        cached = (Date(), jobs)
        return jobs
    }

    func invalidate() { cached = nil }
}
