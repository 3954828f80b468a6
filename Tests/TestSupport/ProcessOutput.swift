import Foundation

/// Runs a command to its end and keeps one of its output streams.
public enum ProcessOutput {
    /// Which stream to keep; the other is discarded.
    public enum Stream: Sendable { case output, error }

    /// Runs `executable arguments` in `directory` with no input; its exit status and everything it
    /// wrote to `stream`.
    public static func run(_ executable: String, _ arguments: [String], in directory: URL, keeping stream: Stream = .output) throws -> (
        status: Int32, text: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        (process.standardOutput, process.standardError) = stream == .output ? (pipe, FileHandle.nullDevice) : (FileHandle.nullDevice, pipe)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Runs commands as a user at a terminal would: under util-linux's `script`, so that their
/// standard output and standard error are a pseudo-terminal (progress lines, colours).
public enum Terminal {
    /// Runs `executable arguments` in `directory` on a pseudo-terminal; its exit status and
    /// everything the terminal received (both streams, carriage returns and escapes included).
    public static func run(_ executable: String, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        let command = ([executable] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let shown = try ProcessOutput.run("/usr/bin/script", ["-qec", command, "/dev/null"], in: directory)
        return (shown.status, shown.text)
    }
}
