import ConfigFiles
import Foundation
import Synchronization
import Wire

/// The host keys a cluster admits beside the cluster key: `hosts.allow` beside the cluster key file,
/// a `[hosts]` table of host name = public key, written by `evoctl keys --host NAME` and
/// `--revoke NAME`. Servers read it again whenever the file changes (a look at its modification time
/// per handshake or message), so a revoked host is refused without a restart; a missing file admits
/// no host.
public final class HostAllowList: HostKeyDirectory {
    public let path: String
    private let state = Mutex<(version: FileVersion?, hosts: [String: String])>((nil, [:]))

    /// What tells one version of the file from the next: every write is a new file renamed into
    /// place (a new inode), and a file edited in place changes its time or size.
    private struct FileVersion: Equatable {
        var inode: UInt, seconds: Int, nanoseconds: Int, size: Int
    }

    public init(path: String) { self.path = path }

    /// The allow-list beside the key file at `keyPath`.
    public convenience init(besideKey keyPath: String) {
        self.init(path: ((keyPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("hosts.allow"))
    }

    /// The admitted hosts and their public keys, as the file says now.
    public var hosts: [String: String] { current() }

    public func host(forPublicKey key: String) -> String? { current().first { $0.value == key }?.key }

    public func admits(host name: String) -> Bool { current()[name] != nil }

    /// The hosts, read again when the file changed. A file that cannot be read or parsed admits no
    /// host (fail closed) until it is fixed.
    private func current() -> [String: String] {
        var status = stat()
        let version =
            stat(path, &status) == 0
            ? FileVersion(
                inode: UInt(status.st_ino), seconds: Int(status.st_mtim.tv_sec), nanoseconds: Int(status.st_mtim.tv_nsec), size: Int(status.st_size))
            : nil
        return state.withLock { cached in
            if cached.version == version, version != nil { return cached.hosts }
            cached = (version, version == nil ? [:] : (try? Self.read(path)) ?? [:])
            return cached.hosts
        }
    }

    static func read(_ path: String) throws(ConfigError) -> [String: String] {
        let file = try ConfigSection.load(path: path)
        guard let table = try file.section("hosts") else { return [:] }
        var hosts: [String: String] = [:]
        for (name, _) in try table.scalars() {
            let key = try table.string(name, default: "")
            guard isHostName(name) else { throw table.error(name, nameRule) }
            guard CurveKeyPair.isKeyText(key) else { throw table.error(name, "expected the host's public key, 40 Z85 characters") }
            hosts[name] = key
        }
        return hosts
    }

    /// Writes the list (public keys only, mode 0600) through a temporary file and a rename, so that
    /// a server never reads it half written.
    func write(_ hosts: [String: String]) throws(ConfigError) {
        var text = "# Host keys the cluster admits beside the cluster key (`evoctl keys --host NAME`, `--revoke NAME`).\n[hosts]\n"
        for (name, key) in hosts.sorted(by: { $0.key < $1.key }) { text += "\(name) = \"\(key)\"\n" }
        let temporary = path + ".new"
        do { try PrivateFiles.write(text, to: temporary) } catch { throw ConfigError(file: path, key: nil, message: "\(error)") }
        guard rename(temporary, path) == 0 else {
            throw ConfigError(file: path, key: nil, message: "cannot replace it: \(String(cString: strerror(errno)))")
        }
    }

    /// Whether `name` can name a host: 1 to 64 letters, digits, '-' or '_'.
    public static func isHostName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static let nameRule = "a host name is 1 to 64 letters, digits, '-' or '_'"
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool { (0x30...0x39).contains(self) || (0x41...0x5a).contains(self) || (0x61...0x7a).contains(self) }
}
