import Cluster
import Foundation
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

/// Forks the daemons on this host: each a session leader of its own (so it outlives evoctl and a
/// closed terminal), with its output in `<state>/logs/<name>.log` and its pid in
/// `<state>/pids/<name>.pid`.
public struct LocalLauncher: Launcher {
    public let stateDirectory: String

    public init(stateDirectory: String) { self.stateDirectory = stateDirectory }

    public var pidDirectory: String { stateDirectory + "/pids" }
    public var logDirectory: String { stateDirectory + "/logs" }

    /// A daemon this launcher started: its name, pid and log.
    struct Daemon {
        var name: String
        var pid: pid_t
        var log: String
    }

    public func start(_ plan: [PlannedProcess], executable: String) throws(LaunchError) -> [LaunchedProcess] {
        let running = recorded().filter { Self.isRunning($0.pid) }
        guard running.isEmpty else {
            throw LaunchError("already running: \(running.map { "\($0.name) (pid \($0.pid))" }.joined(separator: ", ")); run `evoctl down` first")
        }
        do {
            try FileManager.default.createDirectory(atPath: pidDirectory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        } catch {
            throw LaunchError("cannot make \(pidDirectory) and \(logDirectory): \(error.localizedDescription)")
        }
        var launched: [LaunchedProcess] = []
        for process in plan {
            let log = "\(logDirectory)/\(process.name).log"
            let pid: pid_t
            do {
                pid = try Spawn.start([executable] + process.arguments, as: .session) { actions in
                    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                    posix_spawn_file_actions_adddup2(&actions, 1, 2)
                }
            } catch {
                throw LaunchError("cannot start \(executable): \(String(cString: strerror(error.code)))")
            }
            do {
                try "\(pid)\n".write(toFile: "\(pidDirectory)/\(process.name).pid", atomically: true, encoding: .utf8)
            } catch {
                throw LaunchError("started \(process.name) (pid \(pid)) but cannot record its pid: \(error.localizedDescription)")
            }
            launched.append(LaunchedProcess(name: process.name, handle: "pid \(pid)", note: nil, log: log))
        }
        return launched
    }

    public func isAlive(_ name: String) -> Bool { recordedPID(name).map(Self.isRunning) ?? false }

    public var hasStarted: Bool { !recorded().isEmpty }

    /// Islands, then workers, then the farm: SIGTERM, wait, SIGKILL; every pid file removed.
    public func stop(grace: Double, report: (StoppedProcess) -> Void) {
        let daemons = recorded()
        for rank in 0...2 {
            let members = daemons.filter { PlannedProcess.stoppingRank($0.name) == rank }
            let live = members.filter { Self.isRunning($0.pid) }
            for daemon in live { kill(daemon.pid, SIGTERM) }
            let started = Date()
            let deadline = started.addingTimeInterval(grace)
            var waiting = live
            while !waiting.isEmpty, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
                waiting = waiting.filter { Self.isRunning($0.pid) }
            }
            for daemon in members {
                let outcome: StoppedProcess.Outcome
                if !live.contains(where: { $0.pid == daemon.pid }) {
                    outcome = .notRunning
                } else if waiting.contains(where: { $0.pid == daemon.pid }) {
                    kill(daemon.pid, SIGKILL)
                    outcome = .outlastedGrace(seconds: grace)
                } else {
                    outcome = .stopped(seconds: Date().timeIntervalSince(started))
                }
                report(StoppedProcess(name: daemon.name, handle: "pid \(daemon.pid)", outcome: outcome))
                forget(daemon.name)
            }
        }
    }

    /// Removes a process's pid file (one that exited at start is not left for `down`).
    public func forget(_ name: String) { try? FileManager.default.removeItem(atPath: "\(pidDirectory)/\(name).pid") }

    /// The daemons recorded in the pid directory (running or not), in stopping order.
    func recorded() -> [Daemon] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: pidDirectory)) ?? []
        let daemons = files.filter { $0.hasSuffix(".pid") }.compactMap { file -> Daemon? in
            let name = String(file.dropLast(4))
            return recordedPID(name).map { Daemon(name: name, pid: $0, log: "\(logDirectory)/\(name).log") }
        }
        return daemons.sorted { (PlannedProcess.stoppingRank($0.name), $0.name) < (PlannedProcess.stoppingRank($1.name), $1.name) }
    }

    /// The pid recorded for a process, if its pid file holds one.
    func recordedPID(_ name: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: "\(pidDirectory)/\(name).pid", encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether `pid` is a live evod process (not a reused pid of something else).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        if status.contains(") Z ") {  // a zombie child of ours
            waitpid(pid, nil, WNOHANG)
            return false
        }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        return command.isEmpty || command.contains("evod")
    }
}
