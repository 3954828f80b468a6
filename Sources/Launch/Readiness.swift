import Cluster
import ControlPlane
import Foundation

/// Where a started process stands after `evoctl up` has waited for it.
public enum ProcessState: Sendable, Equatable {
    /// The farm or an island answered its control endpoint; a worker is registered with the farm.
    case ready
    /// Running, but not ready when the wait ended (its log says why, or it is still starting).
    case notReady
    /// The process is gone: a bad config, a port in use, a state directory another process holds.
    case exited

    public var label: String {
        switch self {
        case .ready: "ready"
        case .notReady: "running, not ready yet"
        case .exited: "EXITED"
        }
    }
}

/// Waits for started processes until every one is ready or one has exited, looking every 0.2 s.
public struct Readiness {
    /// The cluster's endpoints, asked with a short timeout.
    public let access: ClusterAccess
    /// The processes' names (`farm`, `worker-2`, `island-3`).
    public let names: [String]
    /// Whether a process (or its Slurm job) is still there.
    public let isAlive: (String) -> Bool

    public init(access: ClusterAccess, names: [String], isAlive: @escaping (String) -> Bool) {
        (self.access, self.names, self.isAlive) = (access, names, isAlive)
    }

    /// Each process's state, by name, once all are ready, one has exited, or `seconds` have passed;
    /// `progress` hears how many are ready after each look.
    public func wait(seconds: Double, progress: (Int) -> Void = { _ in }) -> [String: ProcessState] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let states = poll()
            progress(states.values.filter { $0 == .ready }.count)
            let settled = states.values.allSatisfy { $0 == .ready } || states.values.contains(.exited)
            if settled || Date() >= deadline { return states }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// One look at every process: alive, and answering (islands, farm) or registered (workers).
    func poll() -> [String: ProcessState] {
        let config = access.cluster
        let islands = names.compactMap { name -> (String, ControlClient)? in
            guard name.hasPrefix("island-"), let id = Int(name.dropFirst("island-".count)), let entry = config.entry(forIsland: id) else { return nil }
            return (name, access.client(for: entry))
        }
        let answered = ControlClient.concurrently(islands.map(\.1)) { client in (try? client.status()) != nil }
        var ready = Dictionary(uniqueKeysWithValues: zip(islands.map(\.0), answered))
        let workers = names.filter { $0.hasPrefix("worker-") }.sorted()
        if names.contains("farm") {
            let farm = try? access.farmClient.farmStatus()
            ready["farm"] = farm != nil
            // Workers are anonymous to the broker: as many count as ready as have registered.
            for (index, name) in workers.enumerated() { ready[name] = index < (farm?.workers ?? 0) }
        }
        return Dictionary(uniqueKeysWithValues: names.map { name in (name, !isAlive(name) ? .exited : ready[name] == true ? .ready : .notReady) })
    }
}
