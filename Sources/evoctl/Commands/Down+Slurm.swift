import Foundation

extension Down {
    /// Cancels the Slurm jobs `up` submitted (islands, then workers, then the farm: `scancel`
    /// sends SIGTERM, so each stores its state and exits) and waits until Slurm holds none of them.
    func stopSlurm(_ jobs: [String: String], slurm: SlurmLauncher) throws {
        for group in ["island", "worker", "farm"] {
            let members = jobs.filter { $0.key.hasPrefix(group) }.sorted { $0.key < $1.key }
            guard !members.isEmpty else { continue }
            let held = try slurm.queue()
            let live = members.filter { held[$0.value] != nil }
            try slurm.cancel(live.map(\.value))
            let started = Date()
            // Slurm's KillWait (30 s by default) after SIGTERM, then SIGKILL: wait a little past our grace.
            let deadline = started.addingTimeInterval(grace + 35)
            var waiting = live
            while !waiting.isEmpty, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
                let now = try slurm.queue()
                waiting = waiting.filter { now[$0.value] != nil }
            }
            for (name, job) in members {
                let label = name.padding(toLength: 10, withPad: " ", startingAt: 0)
                if !live.contains(where: { $0.value == job }) {
                    print("\(label) job \(job)  was not in Slurm's queue")
                } else if waiting.contains(where: { $0.value == job }) {
                    print("\(label) job \(job)  still in Slurm's queue \(Int(grace + 35)) s after scancel")
                } else {
                    print("\(label) job \(job)  cancelled (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
                }
            }
        }
        try? FileManager.default.removeItem(atPath: slurm.jobsFile)
        // Where the stopped processes listened: the next start publishes anew.
        try? FileManager.default.removeItem(atPath: slurm.config.endpoints.directory)
    }
}
