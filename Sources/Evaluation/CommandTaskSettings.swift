import ConfigFiles
import LossLanguage

/// An external evaluator (docs/architecture.md §5.3): a command run once per (beta, seed), or a resident one
/// that serves many runs, one job a line.
public struct CommandTaskSettings: Sendable, Hashable, Codable {
    /// The command and its arguments. A one-shot command's `{file}`, `{beta}`, `{seed}` and
    /// `{output}` are replaced; a resident command gets them in each job instead.
    public var argv: [String]
    /// Wall-clock limit of one run (and of a resident command's start); the whole process group is killed past it.
    public var timeoutSeconds: Double
    /// The largest output file (and captured log, and reply line) read back.
    public var maxOutputBytes: Int
    /// How the candidate is written to `{file}`: the PyTorch function (default), or the TRL trainer
    /// module that `evaluators/trl/evaluate.py` trains with, or another export format.
    public var export: ExportFormat
    /// Whether the command is started once and serves many jobs (``ResidentPool``): it keeps what
    /// every run shares (a model, a dataset, imported libraries) between runs.
    public var resident: Bool
    /// Values sent in every job of a resident command (`[command.settings]`).
    public var jobSettings: [String: JobSetting]
    /// How far two farm workers' fitness for the same run may differ and still agree in an audit
    /// (docs/farm-trust.md): 0 for a command that is deterministic to the bit; nil (undeclared):
    /// its jobs are not audited, since honest workers could disagree.
    public var auditTolerance: Double?

    public init(
        argv: [String], timeoutSeconds: Double = 3_600, maxOutputBytes: Int = 1 << 20, export: ExportFormat = .pytorch, resident: Bool = false,
        jobSettings: [String: JobSetting] = [:]
    ) {
        (self.argv, self.timeoutSeconds, self.maxOutputBytes, self.export) = (argv, timeoutSeconds, maxOutputBytes, export)
        (self.resident, self.jobSettings) = (resident, jobSettings)
    }

    /// The job setting that names the quality prompt p (seed 004): a resident command whose jobs
    /// carry it supplies the quality-prompted log-probs (the TRL evaluator's `quality_prompt`).
    public static let qualityPromptSetting = "quality_prompt"

    /// The quality prompt the jobs carry, if any.
    public var qualityPrompt: String? {
        guard case let .string(text)? = jobSettings[Self.qualityPromptSetting], !text.isEmpty else { return nil }
        return text
    }

    enum CodingKeys: String, CodingKey { case argv, timeoutSeconds, maxOutputBytes, export, resident, jobSettings, auditTolerance }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        argv = try container.decode([String].self, forKey: .argv)
        timeoutSeconds = try container.decode(Double.self, forKey: .timeoutSeconds)
        maxOutputBytes = try container.decode(Int.self, forKey: .maxOutputBytes)
        export = try container.decodeIfPresent(ExportFormat.self, forKey: .export) ?? .pytorch
        resident = try container.decodeIfPresent(Bool.self, forKey: .resident) ?? false
        jobSettings = try container.decodeIfPresent([String: JobSetting].self, forKey: .jobSettings) ?? [:]
        auditTolerance = try container.decodeIfPresent(Double.self, forKey: .auditTolerance)
    }

    /// Defaults are left out (PyTorch, one-shot, no settings), so that task hashes from before they existed still hold.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(argv, forKey: .argv)
        try container.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try container.encode(maxOutputBytes, forKey: .maxOutputBytes)
        if export != .pytorch { try container.encode(export, forKey: .export) }
        if resident { try container.encode(resident, forKey: .resident) }
        if !jobSettings.isEmpty { try container.encode(jobSettings, forKey: .jobSettings) }
        try container.encodeIfPresent(auditTolerance, forKey: .auditTolerance)
    }
}

/// One value of a resident command's `[command.settings]`, sent as it was written.
public typealias JobSetting = ConfigScalar
