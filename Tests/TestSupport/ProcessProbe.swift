import Foundation

/// Whether processes are running, by their command lines (pgrep -f), for tests that check that a
/// command did not outlive what ran it.
public enum ProcessProbe {
    public static func running(_ pattern: String) throws -> Bool {
        let pgrep = Process()
        pgrep.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        pgrep.arguments = ["-f", pattern]
        pgrep.standardOutput = FileHandle.nullDevice
        try pgrep.run()
        pgrep.waitUntilExit()
        return pgrep.terminationStatus == 0
    }
}
