import ConfigFiles
import LossLanguage
import PrefBandit

extension TaskConfig {
    /// Reads a task file (`configs/tasks/*.toml`): a single task, or a suite of `[[member]]` tasks
    /// with `[[validation]]` transfer tasks. Every key has a default; unknown keys, bad values and
    /// overlapping seed sets are errors naming the file, the key (and member) and what was expected.
    public static func load(path: String) throws(ConfigError) -> TaskConfig {
        try read(ConfigSection.load(path: path))
    }

    /// Parses task TOML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> TaskConfig {
        try read(ConfigSection.parse(text, file: file))
    }

    private static func read(_ root: ConfigSection) throws(ConfigError) -> TaskConfig {
        let type = try root.string("type", default: "prefbandit", oneOf: ["prefbandit", "command", "suite", "cascade"])
        if type == "cascade" { return try readCascade(root) }
        let memberSections = try root.tables("member")
        let transferSections = try root.tables("validation")
        guard type == "suite" || (memberSections.isEmpty && transferSections.isEmpty) else {
            throw root.error("type", "a file with [[member]] or [[validation]] tables is a suite: set type = \"suite\" or leave it out")
        }
        let task: TaskConfig
        if type == "suite" || !memberSections.isEmpty {
            // The top-level tables are every member's defaults; each member overrides them.
            let defaults = try TaskDefaults(root, base: nil)
            guard !memberSections.isEmpty else { throw root.error("member", "a suite needs at least one [[member]] table") }
            var members: [TaskMember] = []
            for section in memberSections {
                let member = try readMember(section, defaults: defaults)
                if members.contains(where: { $0.name == member.name }) {
                    throw section.error("name", "the member name \"\(member.name)\" is used twice")
                }
                members.append(member)
            }
            var transfers: [TaskMember] = []
            for section in transferSections {
                let transfer = try readTransfer(section, defaults: defaults)
                if (members + transfers).contains(where: { $0.name == transfer.name }) {
                    throw section.error("name", "the name \"\(transfer.name)\" is already a member's or another transfer task's")
                }
                if let same = members.first(where: { $0.kind == transfer.kind }) {
                    throw section.error("name", "transfer task \"\(transfer.name)\" is the same task as member \"\(same.name)\": a transfer task must be a variant no member uses")
                }
                transfers.append(transfer)
            }
            task = TaskConfig(members: members, validation: transfers)
        } else {
            let defaults = try TaskDefaults(root, base: nil, type: type)
            task = TaskConfig(members: [try defaults.member(name: TaskMember.singleName, weight: 1, at: root)])
        }
        try root.finish()
        return task
    }

    private static func readMember(_ section: ConfigSection, defaults: TaskDefaults) throws(ConfigError) -> TaskMember {
        let name = try readName(section)
        let weight = try section.double("weight", default: 1, in: 0...1e9)
        guard weight > 0 else { throw section.error("weight", "expected a positive number, got 0") }
        let own = try TaskDefaults(section, base: defaults)
        return try own.member(name: name, weight: weight, at: section)
    }

    private static func readTransfer(_ section: ConfigSection, defaults: TaskDefaults) throws(ConfigError) -> TaskMember {
        let name = try readName(section)
        let type = try section.string("type", default: defaults.type, oneOf: ["prefbandit", "command"])
        // Only the table of its own type is read: the other one is an unknown key.
        let kind =
            type == "command"
            ? try TaskDefaults.kind(
                type, command: TaskDefaults.command(section.section("command"), inherited: defaults.command),
                prefbandit: defaults.prefbandit, at: section)
            : .prefbandit(try TaskDefaults.prefbandit(section.section("prefbandit"), base: defaults.prefbandit))
        let betas = try TaskDefaults.betas(section, default: defaults.stageTwo.betas)
        let starts = type == "command" ? [.exact] : try TaskDefaults.starts(section, default: defaults.stageTwo.starts)
        let heldout = try TaskDefaults.seeds(section, "heldout", default: defaults.heldoutSeeds)
        let grid = EvaluationGrid(betas: betas, seeds: [], starts: starts)
        return TaskMember(name: name, weight: 1, kind: kind, stageOne: grid, stageTwo: grid, confirmationSeeds: [], heldoutSeeds: heldout)
    }

    private static func readName(_ section: ConfigSection) throws(ConfigError) -> String {
        let name = try section.string("name", default: "")
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy(allowed.contains) else {
            throw section.error("name", "expected a name of 1 to 64 letters, digits, '_', '-' or '.', got \"\(name)\"")
        }
        return name
    }
}

/// The keys a task, a suite member or a suite's defaults share: the task type and its settings,
/// the stage 1 and 2 grids, and the confirmation and held-out seed sets. A member's values default
/// to the suite's top-level ones.
struct TaskDefaults {
    var type: String
    var prefbandit: PrefBanditSettings
    var command: CommandTaskSettings?
    var stageOne: EvaluationGrid
    var stageTwo: EvaluationGrid
    var confirmationSeeds: [UInt64]
    var heldoutSeeds: [UInt64]

    init(_ section: ConfigSection, base: TaskDefaults?, type fixedType: String? = nil) throws(ConfigError) {
        if let fixedType {
            type = fixedType
        } else {
            type = try section.string(
                "type", default: base?.type ?? "prefbandit",
                oneOf: base == nil ? ["prefbandit", "command", "suite"] : ["prefbandit", "command"])
            if type == "suite" { type = "prefbandit" }
        }
        // A suite's top-level tables are defaults for members of either type; elsewhere only the
        // table of the task's own type is read, so that the other one is an unknown key.
        let suiteDefaults = base == nil && fixedType == nil
        let isCommand = type == "command"
        let basePrefbandit = base?.prefbandit ?? PrefBanditSettings()
        prefbandit = suiteDefaults || !isCommand ? try Self.prefbandit(section.section("prefbandit"), base: basePrefbandit) : basePrefbandit
        command = suiteDefaults || isCommand ? try Self.command(section.section("command"), inherited: base?.command) : base?.command
        stageOne = try Self.grid(section.section("stage1"), default: base?.stageOne ?? .defaultCheap, command: isCommand)
        stageTwo = try Self.grid(section.section("stage2"), default: base?.stageTwo ?? .defaultFull, command: isCommand)
        let seeds = try section.section("seeds")
        let inheritedConfirmation = base?.confirmationSeeds ?? TaskMember.defaultConfirmationSeeds
        let inheritedHeldout = base?.heldoutSeeds ?? TaskMember.defaultHeldoutSeeds
        confirmationSeeds =
            try seeds.map { s throws(ConfigError) in try Self.seeds(s, "confirmation", default: inheritedConfirmation) }
            ?? inheritedConfirmation
        heldoutSeeds = try seeds.map { s throws(ConfigError) in try Self.seeds(s, "heldout", default: inheritedHeldout) } ?? inheritedHeldout
    }

    /// The member these values describe; its three seed sets must be disjoint.
    func member(name: String, weight: Double, at section: ConfigSection) throws(ConfigError) -> TaskMember {
        let kind = try Self.kind(type, command: command, prefbandit: prefbandit, at: section)
        let member = TaskMember(
            name: name, weight: weight, kind: kind, stageOne: stageOne, stageTwo: stageTwo,
            confirmationSeeds: confirmationSeeds, heldoutSeeds: heldoutSeeds)
        if let overlap = member.seedOverlap { throw section.error("seeds", overlap + "; the search, confirmation and held-out seeds must be disjoint") }
        return member
    }

    /// The task of a type: a command needs its settings (from this table or inherited).
    static func kind(
        _ type: String, command: CommandTaskSettings?, prefbandit: PrefBanditSettings,
        at section: ConfigSection
    ) throws(ConfigError) -> TaskMember.Kind {
        guard type == "command" else { return .prefbandit(prefbandit) }
        guard let command else { throw section.error("command", "a command task needs a [command] table with argv") }
        return .command(command)
    }

    static func prefbandit(_ section: ConfigSection?, base: PrefBanditSettings) throws(ConfigError) -> PrefBanditSettings {
        var s = base
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
        s.qualityStrength = try section.optionalDouble("quality_strength", in: 1e-6...100) ?? s.qualityStrength
        s.qualityNoise = try section.optionalDouble("quality_noise", in: 0...100) ?? s.qualityNoise
        if s.qualityNoise != nil, s.qualityStrength == nil {
            throw section.error("quality_noise", "quality_noise needs quality_strength (the quality prompt's strength)")
        }
        if let problem = s.problem { throw section.error("batch_size", problem) }
        return s
    }

    static func command(_ section: ConfigSection?, inherited: CommandTaskSettings?) throws(ConfigError) -> CommandTaskSettings? {
        guard let section else { return inherited }
        let argv = try section.strings("argv", default: inherited?.argv ?? [])
        guard !argv.isEmpty else { throw section.error("argv", "expected the command as a non-empty array of strings") }
        let resident = try section.bool("resident", default: inherited?.resident ?? false)
        if resident {
            if let placeholder = ["{file}", "{beta}", "{seed}", "{output}"].first(where: { argv.joined().contains($0) }) {
                throw section.error(
                    "argv", "a resident command gets the file, beta and seed in each job line, not in its arguments: remove \(placeholder)")
            }
        } else if !argv.joined().contains("{file}") {
            throw section.error("argv", "expected the placeholder {file} (the candidate's exported code) in an argument")
        }
        let jobSettings = try section.section("settings").map { s throws(ConfigError) in try s.scalars() } ?? inherited?.jobSettings ?? [:]
        if !jobSettings.isEmpty, !resident {
            throw section.error("settings", "job settings go to a resident command's jobs: set resident = true, or pass them in argv")
        }
        var settings = CommandTaskSettings(
            argv: argv,
            timeoutSeconds: try section.double("timeout_seconds", default: inherited?.timeoutSeconds ?? 3_600, in: 0.001...1e7),
            maxOutputBytes: try section.int("max_output_bytes", default: inherited?.maxOutputBytes ?? 1 << 20, in: 1...(1 << 30)),
            export: try exportFormat(section, default: inherited?.export ?? .pytorch), resident: resident, jobSettings: jobSettings)
        settings.auditTolerance = try section.optionalDouble("audit_tolerance", in: 0...1e9) ?? inherited?.auditTolerance
        return settings
    }

    static func exportFormat(_ section: ConfigSection, default fallback: ExportFormat) throws(ConfigError) -> ExportFormat {
        let name = try section.string("export", default: fallback.rawValue, oneOf: ExportFormat.allCases.map(\.rawValue))
        return ExportFormat(rawValue: name) ?? fallback
    }

    static func grid(_ section: ConfigSection?, default fallback: EvaluationGrid, command: Bool) throws(ConfigError) -> EvaluationGrid {
        guard let section else { return command ? EvaluationGrid(betas: fallback.betas, seeds: fallback.seeds, starts: [.exact]) : fallback }
        let betas = try betas(section, default: fallback.betas)
        let seeds = try seeds(section, "seeds", default: fallback.seeds)
        let starts = command ? [.exact] : try starts(section, default: fallback.starts)
        return EvaluationGrid(betas: betas, seeds: seeds, starts: starts)
    }

    static func betas(_ section: ConfigSection, default fallback: [Double]) throws(ConfigError) -> [Double] {
        let betas = try section.doubles("betas", default: fallback)
        if betas.contains(where: { !($0 > 0) }) { throw section.error("betas", "expected positive numbers, got \(betas)") }
        return betas
    }

    static func starts(_ section: ConfigSection, default fallback: [StartKind]) throws(ConfigError) -> [StartKind] {
        var starts: [StartKind] = []
        for name in try section.strings("starts", default: fallback.map(\.rawValue)) {
            guard let start = StartKind(rawValue: name) else {
                throw section.error("starts", "expected \"exact\" or \"perturbed\", got \"\(name)\"")
            }
            starts.append(start)
        }
        return starts
    }

    /// A seed list: non-negative, no seed twice.
    static func seeds(_ section: ConfigSection, _ key: String, default fallback: [UInt64]) throws(ConfigError) -> [UInt64] {
        let seeds = try section.intList(key, default: fallback.map { Int($0) })
        if let negative = seeds.first(where: { $0 < 0 }) { throw section.error(key, "expected non-negative integers, got \(negative)") }
        var seen = Set<Int>()
        for seed in seeds where !seen.insert(seed).inserted { throw section.error(key, "seed \(seed) appears twice") }
        return seeds.map { UInt64($0) }
    }
}
