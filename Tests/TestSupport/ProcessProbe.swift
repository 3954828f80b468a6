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

    /// Whether a process matching `pattern` is running within `seconds`: a script that has just
    /// said it started a background command may not have exec'd it yet, on a busy machine.
    public static func startsRunning(_ pattern: String, within seconds: TimeInterval = 10) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try running(pattern) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try running(pattern)
    }
}
