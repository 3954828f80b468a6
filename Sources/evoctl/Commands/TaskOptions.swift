import ArgumentParser
import Evaluation
import Model

/// The task and stage options shared by `loss eval` and `loss compare`.
struct TaskOptions: ParsableArguments {
    @Option(help: "A task file or suite (configs/tasks/*.toml); default: the embedded default suite (configs/tasks/default.toml).")
    var task: String?

    @Option(help: "The cascade stage: 1 (cheap subset of the search seeds), 2 (the search grid) or 3 (the confirmation seeds).")
    var stage: Int = 2

    func validate() throws {
        guard Stage(rawValue: stage) != nil else { throw ValidationError("--stage must be 1, 2 or 3, got \(stage)") }
    }

    var resolvedStage: Stage { Stage(rawValue: stage) ?? .two }

    func loadTask() throws -> TaskConfig {
        guard let task else { return .defaultSuite }
        do { return try TaskConfig.load(path: task) } catch { throw CommandFailure("\(error)") }
    }
}
