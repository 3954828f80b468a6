import ArgumentParser
import ControlPlane
import Foundation

/// `evoctl watch [--interval S]`: `evoctl status`, redrawn in place every interval, like `top`.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the cluster's status live, redrawn in place (Ctrl-C ends it).")

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Seconds between redraws.")
    var interval: Double = 2

    @Option(help: "Stop after this many redraws (default: until interrupted).")
    var count: Int?

    func validate() throws {
        guard interval >= 0.1, interval <= 3_600 else { throw ValidationError("--interval must be from 0.1 to 3600 seconds, got \(interval)") }
        if let count, count < 1 { throw ValidationError("--count must be 1 or more, got \(count)") }
    }

    func run() throws {
        let config = try cluster.loadCluster()
        let access = try cluster.access(config)
        // On a terminal the screen is cleared and redrawn; elsewhere (a pipe, a log) each view follows the last.
        let terminal = isatty(STDOUT_FILENO) == 1
        var drawn = 0
        while count.map({ drawn < $0 }) ?? true {
            let lines = Status.lines(ClusterReport.ask(access))
            let stamp = "evod cluster \(config.file), \(Date().formatted(date: .omitted, time: .standard)), every \(interval) s (Ctrl-C ends)"
            print((terminal ? "\u{1B}[H\u{1B}[2J" : "") + ([stamp, ""] + lines).joined(separator: "\n") + (terminal ? "" : "\n"))
            fflush(nil)
            drawn += 1
            if count.map({ drawn < $0 }) ?? true { Thread.sleep(forTimeInterval: interval) }
        }
    }
}
