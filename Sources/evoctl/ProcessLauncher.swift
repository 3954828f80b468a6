import Evaluation
import Foundation
import Glibc

/// Starts and stops the daemons of `evoctl up` / `evoctl down`: each one a session leader of its
/// own (so it outlives evoctl and a closed terminal), with its output in a log file and its pid in
/// `<state>/pids/<name>.pid`.
struct ProcessLauncher {
    let stateDirectory: String

    var pidDirectory: String { stateDirectory + "/pids" }
    var logDirectory: String { stateDirectory + "/logs" }

    /// A daemon started by `up`: its name (`farm`, `worker-1`, `island-3`), pid and log.
    struct Daemon {
        var name: String
        var pid: pid_t
        var log: String
    }

    /// Starts `executable arguments` in the working directory; returns its pid.
    func start(name: String, executable: String, arguments: [String]) throws -> Daemon {
        try FileManager.default.createDirectory(atPath: pidDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let log = "\(logDirectory)/\(name).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        actions.addCloseFrom(3)  // a daemon outlives evoctl: it must hold none of evoctl's descriptors
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26+), which Glibc's Swift module hides behind _GNU_SOURCE.
        let spawnSetSID: Int16 = 0x80
        posix_spawnattr_setflags(&attributes, spawnSetSID)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard code == 0 else { throw LaunchError("cannot start \(executable): \(String(cString: strerror(code)))") }
        try "\(pid)\n".write(toFile: "\(pidDirectory)/\(name).pid", atomically: true, encoding: .utf8)
        return Daemon(name: name, pid: pid, log: log)
    }

    /// The daemons recorded in the pid directory (running or not), in stopping order: islands,
    /// then workers, then the farm.
    func recorded() -> [Daemon] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: pidDirectory)) ?? []
        let daemons = files.filter { $0.hasSuffix(".pid") }.compactMap { file -> Daemon? in
            let name = String(file.dropLast(4))
            guard let text = try? String(contentsOfFile: "\(pidDirectory)/\(file)", encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            else { return nil }
            return Daemon(name: name, pid: pid, log: "\(logDirectory)/\(name).log")
        }
        func rank(_ name: String) -> Int { name.hasPrefix("island") ? 0 : name.hasPrefix("worker") ? 1 : 2 }
        return daemons.sorted { (rank($0.name), $0.name) < (rank($1.name), $1.name) }
    }

    /// Whether `pid` is a live evod process (not a reused pid of something else).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        if status.contains(") Z ") { waitpid(pid, nil, WNOHANG); return false }  // a zombie child of ours
        let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        return command.isEmpty || command.contains("evod")
    }

    func forget(_ daemon: Daemon) { try? FileManager.default.removeItem(atPath: "\(pidDirectory)/\(daemon.name).pid") }

    /// The last `lines` lines of a log.
    static func tail(_ path: String, lines: Int = 5) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

/// Why `up` or `down` could not do what was asked.
struct LaunchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
