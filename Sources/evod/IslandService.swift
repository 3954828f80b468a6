import Foundation
import Island
import Logging
import ServiceLifecycle

/// Runs generations until a graceful shutdown or a `stop` command; idles while paused. Each
/// generation is stored transactionally, so stopping between them (or being killed) loses nothing.
struct IslandService: Service, CustomStringConvertible {
    var description: String { "IslandService(island \(engine.settings.id))" }

    let engine: IslandEngine
    let controls: IslandControls
    let logger: Logger

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await BlockingThread.run(name: "island-\(engine.settings.id)") {
                while controls.current != .stopping {
                    if controls.current == .paused {
                        Thread.sleep(forTimeInterval: 0.05)
                        continue
                    }
                    let report = try engine.runGeneration()
                    logger.info("generation done", metadata: [
                        "generation": "\(report.generation)", "proposed": "\(report.proposed)", "invalid": "\(report.invalid)",
                        "duplicates": "\(report.duplicates)", "evaluated": "\(report.evaluated)", "failed": "\(report.failed)",
                        "added": "\(report.added)", "filled": "\(engine.archive.filled)",
                    ])
                }
            }
        } onGracefulShutdown: {
            controls.stop()
        }
    }
}
