import Cluster
import ControlPlane
import Foundation

extension Up {
    /// Where a started process stands after `up` has waited for it.
    enum ProcessState: Equatable {
        /// The farm or an island answered its control endpoint; a worker is registered with the farm.
        case ready
        /// Running, but not ready when the wait ended (its log says why, or it is still starting).
        case notReady
        /// The process is gone: a bad config, a port in use, a state directory another process holds.
        case exited

        var label: String {
            switch self {
            case .ready: "ready"
            case .notReady: "running, not ready yet"
            case .exited: "EXITED"
            }
        }
    }

    /// Polls the started processes until every one is ready or one has exited, with a progress line.
    struct Readiness {
        /// The cluster's endpoints, asked with a short timeout (every 0.2 s).
        let access: ClusterAccess
        var config: ClusterConfig { access.cluster }
        let daemons: [ProcessLauncher.Daemon]
        /// Whether a daemon's process (or Slurm job) is still there.
        let isAlive: (ProcessLauncher.Daemon) -> Bool

        /// Each daemon's state, by name, once all are ready, one has exited, or `seconds` have passed.
        func wait(seconds: Double) -> [String: ProcessState] {
            let progress = ProgressLine("up", total: daemons.count, unit: "processes ready")
            defer { progress.finish() }
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let states = poll()
                progress.update(done: states.values.filter { $0 == .ready }.count)
                let settled = states.values.allSatisfy { $0 == .ready } || states.values.contains(.exited)
                if settled || Date() >= deadline { return states }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }

        /// One look at every daemon: alive, and answering (islands, farm) or registered (workers).
        private func poll() -> [String: ProcessState] {
            let islands = daemons.compactMap { daemon -> (String, ControlClient)? in
                guard daemon.name.hasPrefix("island-"), let id = Int(daemon.name.dropFirst("island-".count)),
                    let entry = config.entry(forIsland: id)
                else { return nil }
                return (daemon.name, access.client(for: entry))
            }
            let answered = ControlClient.concurrently(islands.map(\.1)) { client in (try? client.status()) != nil }
            var ready = Dictionary(uniqueKeysWithValues: zip(islands.map(\.0), answered))
            let workers = daemons.filter { $0.name.hasPrefix("worker-") }.map(\.name).sorted()
            if daemons.contains(where: { $0.name == "farm" }) {
                let farm = try? access.farmClient.farmStatus()
                ready["farm"] = farm != nil
                // Workers are anonymous to the broker: as many count as ready as have registered.
                for (index, name) in workers.enumerated() { ready[name] = index < (farm?.workers ?? 0) }
            }
            return Dictionary(
                uniqueKeysWithValues: daemons.map { daemon in
                    let state: ProcessState =
                        !isAlive(daemon) ? .exited : ready[daemon.name] == true ? .ready : .notReady
                    return (daemon.name, state)
                })
        }
    }
}
