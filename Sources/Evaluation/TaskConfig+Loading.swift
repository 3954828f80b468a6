import Configuration
import PrefBandit

extension TaskConfig {
    /// Reads a task file (`configs/tasks/*.toml`). Every key has a default; unknown keys and bad
    /// values are errors naming the file, the key and what was expected.
    public static func load(path: String) throws(ConfigError) -> TaskConfig {
        try read(ConfigSection.load(path: path))
    }

    /// Parses task TOML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> TaskConfig {
        try read(ConfigSection.parse(text, file: file))
    }

    private static func read(_ root: ConfigSection) throws(ConfigError) -> TaskConfig {
        let type = try root.string("type", default: "prefbandit", oneOf: ["prefbandit", "command"])
        let kind: Kind
        if type == "prefbandit" {
            kind = .prefbandit(try prefbandit(root.section("prefbandit"), root))
        } else {
            guard let section = try root.section("command") else {
                throw root.error("command", "a command task needs a [command] table with argv")
            }
            let argv = try section.strings("argv", default: [])
            guard !argv.isEmpty else { throw section.error("argv", "expected the command as a non-empty array of strings") }
            guard argv.joined().contains("{file}") else {
                throw section.error("argv", "expected the placeholder {file} (the candidate's PyTorch code) in an argument")
            }
            kind = .command(CommandTaskSettings(
                argv: argv,
                timeoutSeconds: try section.double("timeout_seconds", default: 3_600, in: 0.001...1e7),
                maxOutputBytes: try section.int("max_output_bytes", default: 1 << 20, in: 1...(1 << 30))))
        }
        let stageOne = try grid(root.section("stage1"), default: .defaultCheap, command: type == "command")
        let stageTwo = try grid(root.section("stage2"), default: .defaultFull, command: type == "command")
        try root.finish()
        return TaskConfig(kind: kind, stageOne: stageOne, stageTwo: stageTwo)
    }

    private static func prefbandit(_ section: ConfigSection?, _ root: ConfigSection) throws(ConfigError) -> PrefBanditSettings {
        var s = PrefBanditSettings()
        guard let section else { return s }
        s.pairs = try section.int("pairs", default: s.pairs, in: 2...1_000_000)
        s.heldoutPrompts = try section.int("heldout_prompts", default: s.heldoutPrompts, in: 1...1_000_000)
        s.responses = try section.int("responses", default: s.responses, in: 2...4_096)
        s.features = try section.int("features", default: s.features, in: 2...4_096)
        s.referenceScale = try section.double("reference_scale", default: s.referenceScale, in: 0...100)
        s.referenceAlignment = try section.double("reference_alignment", default: s.referenceAlignment, in: 0...1)
        s.rewardNonlinearity = try section.double("reward_nonlinearity", default: s.rewardNonlinearity, in: 0...1)
        s.rewardUnits = try section.int("reward_units", default: s.rewardUnits, in: 0...1_024)
        s.labelNoise = try section.double("label_noise", default: s.labelNoise, in: 0...0.49)
        s.steps = try section.int("steps", default: s.steps, in: 1...10_000_000)
        s.batchSize = try section.int("batch_size", default: s.batchSize, in: 1...1_000_000)
        s.learningRate = try section.double("learning_rate", default: s.learningRate, in: 1e-12...100)
        s.perturbation = try section.double("perturbation", default: s.perturbation, in: 0...100)
        if let problem = s.problem { throw section.error("batch_size", problem) }
        return s
    }

    private static func grid(_ section: ConfigSection?, default fallback: EvaluationGrid, command: Bool) throws(ConfigError) -> EvaluationGrid {
        guard let section else { return command ? EvaluationGrid(betas: fallback.betas, seeds: fallback.seeds, starts: [.exact]) : fallback }
        let betas = try section.doubles("betas", default: fallback.betas)
        if betas.contains(where: { !($0 > 0) }) { throw section.error("betas", "expected positive numbers, got \(betas)") }
        let seeds = try section.ints("seeds", default: fallback.seeds.map { Int($0) })
        if seeds.contains(where: { $0 < 0 }) { throw section.error("seeds", "expected non-negative integers, got \(seeds)") }
        let startNames = try section.strings("starts", default: fallback.starts.map(\.rawValue))
        var starts: [StartKind] = []
        for name in startNames {
            guard let start = StartKind(rawValue: name) else {
                throw section.error("starts", "expected \"exact\" or \"perturbed\", got \"\(name)\"")
            }
            starts.append(start)
        }
        return EvaluationGrid(betas: betas, seeds: seeds.map { UInt64($0) }, starts: command ? [.exact] : starts)
    }
}
