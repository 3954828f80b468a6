import Foundation
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

/// One running instance of a resident command: a process group of its own whose standard input and
/// output are one end of a socket pair (jobs in, replies out), with its standard error appended to
/// a log file. A write to a server that died is an error, never SIGPIPE (`MSG_NOSIGNAL`). It holds
/// none of the caller's other descriptors. One job uses it at a time: ``ResidentPool`` hands it out,
/// which is why it is `@unchecked Sendable`.
final class ResidentServer: @unchecked Sendable {
    let pid: pid_t
    let logPath: String
    private let socket: Int32
    private var buffer: [UInt8] = []
    private let interruption: CommandInterruption
    private var reaped: Int32?
    private var stopped = false

    /// What a read of one line gave.
    enum Read {
        case line([UInt8])
        /// The command closed its end: it exited, or is exiting.
        case closed
        case timedOut
        /// A line longer than the limit without its newline.
        case tooLong
    }

    /// Starts `argv` (in the caller's working directory) with its standard error appended to `logPath`.
    init(argv: [String], logPath: String, interruption: CommandInterruption) throws(ResidentFailure) {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw .cannotStart("cannot make a socket pair for '\(argv[0])': \(String(cString: strerror(errno)))")
        }
        defer { close(ends[1]) }  // the command's end: ours to close once it has its copy

        let pid: pid_t
        do {
            pid = try Spawn.start(argv, as: .processGroup) { actions in
                posix_spawn_file_actions_adddup2(&actions, ends[1], 0)
                posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
                posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            }
        } catch {
            close(ends[0])
            throw .cannotStart(error.description)
        }
        (self.pid, self.socket, self.logPath, self.interruption) = (pid, ends[0], logPath, interruption)
        guard interruption.register(pid) else {
            stop()
            throw .interrupted
        }
    }

    deinit { stop() }

    /// Sends one line (a newline is added); false when the command is gone.
    func send(_ line: [UInt8]) -> Bool {
        let bytes = line + [UInt8(ascii: "\n")]
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// The next line (without its newline), waiting until `deadline` (uptime nanoseconds) at most.
    func readLine(deadline: UInt64, limit: Int) -> Read {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return .line(line)
            }
            if buffer.count > limit { return .tooLong }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return .timedOut }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min((deadline - now) / 1_000_000 + 1, UInt64(Int32.max))))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }  // the deadline is checked above
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return .closed }
            buffer += chunk[..<n]
        }
    }

    /// How the command ended, once it closed its end: its exit status or signal, waiting up to two
    /// seconds for it to exit before its group is killed.
    func exitDescription() -> String {
        let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
        while reaped == nil, DispatchTime.now().uptimeNanoseconds < deadline {
            var status: Int32 = 0
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { reaped = status } else if done < 0, errno != EINTR { break } else { usleep(10_000) }
        }
        stop()
        guard let status = reaped else { return "closed its output and was killed" }
        let signal = status & 0x7F
        return signal == 0 ? "exited with status \((status >> 8) & 0xFF)" : "was killed by signal \(signal)"
    }

    /// Kills the command's process group and reaps it (once).
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(-pid, SIGKILL)
        if reaped == nil {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            reaped = status
        }
        close(socket)
        interruption.unregister(pid)
    }
}

/// Why a resident command could not serve a job.
enum ResidentFailure: Error {
    case cannotStart(String)
    case interrupted
}
