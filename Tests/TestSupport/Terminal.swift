import Foundation

/// Runs commands as a user at a terminal would: under util-linux's `script`, so that their
/// standard output and standard error are a pseudo-terminal (progress lines, colours).
public enum Terminal {
    /// Runs `executable arguments` in `directory` on a pseudo-terminal; its exit status and
    /// everything the terminal received (both streams, carriage returns and escapes included).
    public static func run(_ executable: String, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = ([executable] + arguments).map { "'\($0)'" }.joined(separator: " ")
        process.arguments = ["-qec", command, "/dev/null"]
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
