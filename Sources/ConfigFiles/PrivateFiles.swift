import Foundation

/// Files only the daemon's user may read: secrets and databases are created with mode 0600 from
/// their first byte (never created readable and narrowed afterwards, which leaves a window in
/// which another user can open them), and a state directory is held by one process at a time.
public enum PrivateFiles {
    /// A failure to create a private file or to take a state directory.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        /// `path: cannot <action>: <the system's reason>` for the `errno` of the call that failed.
        init(_ path: String, cannot action: String) { description = "\(path): cannot \(action): \(String(cString: strerror(errno)))" }

        init(description: String) { self.description = description }
    }

    /// Writes `contents` to a new file at `path`, mode 0600, replacing what was there.
    public static func write(_ contents: String, to path: String) throws(Failure) {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(path, cannot: "create") }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw Failure(path, cannot: "write") }
    }

    /// Creates an empty file at `path` with mode 0600 unless one exists (a database before SQLite
    /// opens it: SQLite gives its journal and WAL files the database file's mode).
    public static func createIfAbsent(_ path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd); return }
        guard errno == EEXIST else { throw Failure(path, cannot: "create") }
    }
}

/// An exclusive hold on a state directory (`flock` on its `lock` file) for as long as the process
/// lives: a second daemon started on the same island's or farm's state refuses to run instead of
/// writing the same database beside the first. The kernel drops the hold when the process ends,
/// however it ends (`kill -9` included), so a stale lock file never blocks a restart.
public final class StateLock: Sendable {
    private let descriptor: Int32

    /// Takes `directory`'s lock, or throws naming the process that holds it.
    public init(directory: String, role: String) throws(PrivateFiles.Failure) {
        let path = directory + "/lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PrivateFiles.Failure(path, cannot: "open") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw PrivateFiles.Failure(
                description: "\(directory): \(role)'s state is in use by another evod"
                    + (holder.isEmpty ? "" : " (pid \(holder))") + "; stop it first (evoctl down), or give this one another state_directory")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
