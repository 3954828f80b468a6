import ArgumentParser
import Evaluation

/// The task and stage options shared by `loss eval` and `loss compare`.
struct TaskOptions: ParsableArguments {
    @Option(help: "A task file (configs/tasks/*.toml); default: the embedded prefbandit task.")
    var task: String?

    @Option(help: "The cascade stage: 1 (cheap subset) or 2 (full grid).")
    var stage: Int = 2

    func validate() throws {
        guard Stage(rawValue: stage) != nil else { throw ValidationError("--stage must be 1 or 2, got \(stage)") }
    }

    var resolvedStage: Stage { Stage(rawValue: stage) ?? .two }

    func loadTask() throws -> TaskConfig {
        guard let task else { return .prefbanditDefault }
        do { return try TaskConfig.load(path: task) } catch { throw ValidationError("\(error)") }
    }
}
