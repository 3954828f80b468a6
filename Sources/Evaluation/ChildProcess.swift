import Foundation
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command (in the caller's working directory) in a process group of its own, with a wall-clock limit past which the whole
/// group is killed (SIGKILL), standard output and error to a log file, standard input from /dev/null, and no other file
/// descriptor of the caller's. An interruption (shutdown) kills the group too.
enum ChildProcess {
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case interrupted
    }

    static func run(_ argv: [String], logPath: String, timeout: Double, interruption: CommandInterruption) throws -> Outcome {
        let pid = try Spawn.start(argv, as: .processGroup) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var waitStatus: Int32 = 0
        guard interruption.register(pid) else {
            waitpid(pid, &waitStatus, 0)
            return .interrupted
        }
        defer { interruption.unregister(pid) }

        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var pause: UInt32 = 1_000
        while true {
            let done = waitpid(pid, &waitStatus, WNOHANG)
            if done == pid { break }
            if done < 0, errno != EINTR { break }
            if DispatchTime.now().uptimeNanoseconds >= deadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &waitStatus, 0)
                return .timedOut
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        kill(-pid, SIGKILL)  // whatever the command left behind in its group
        if interruption.isInterrupted { return .interrupted }
        let signal = waitStatus & 0x7F
        return signal == 0 ? .exited((waitStatus >> 8) & 0xFF) : .signalled(signal)
    }

    /// "; its output ends: ..." with the last 300 bytes a command wrote to its log (of the first
    /// `limit` read), newlines as " | "; nothing when it wrote nothing.
    static func logTail(_ path: String, limit: Int) -> String {
        let tail = read(path, limit: limit).map { String(decoding: $0.data.suffix(300), as: UTF8.self) } ?? ""
        let trimmed = tail.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " | ")
        return trimmed.isEmpty ? "" : "; its output ends: \(trimmed)"
    }

    /// At most `limit` bytes of a file, and whether it was longer.
    static func read(_ path: String, limit: Int) -> (data: Data, truncated: Bool)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        return (data.prefix(limit), data.count > limit)
    }
}
