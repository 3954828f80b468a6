import ConfigFiles

/// How `evoctl up` runs the cluster's processes.
public enum LauncherKind: String, Sendable, CaseIterable {
    /// Forked on this host, each a session leader with its pid in `<state>/pids`.
    case local
    /// Submitted to Slurm with `sbatch`: the farm and each island a job, the workers a job array.
    case slurm
}

/// The `[launcher]` section of the cluster config.
public struct LauncherSettings: Sendable, Hashable {
    public var kind = LauncherKind.local
    /// `sbatch --partition`, `--account` and `--time` (empty: Slurm's defaults).
    public var partition = "", account = "", time = ""
    /// GPUs per worker (`--gres=gpu:N` on the workers' array; 0: none).
    public var gpusPerWorker = 0
    /// CPUs per worker (`--cpus-per-task`; nil: the farm's `threads_per_worker`).
    public var cpusPerWorker: Int?
    /// Further `sbatch` options for every job, as written (`--qos=high`, `--constraint=a100`).
    public var sbatchOptions: [String] = []

    public init() {}

    /// Whether the processes publish where they listen in the state directory (their hosts are
    /// known only once Slurm has placed them) instead of binding the config's hosts and ports.
    public var publishesEndpoints: Bool { kind == .slurm }

    mutating func read(_ section: ConfigSection) throws(ConfigError) {
        let name = try section.string("kind", default: kind.rawValue, oneOf: LauncherKind.allCases.map(\.rawValue))
        kind = LauncherKind(rawValue: name) ?? .local
        partition = try section.string("partition", default: partition)
        account = try section.string("account", default: account)
        time = try section.string("time", default: time)
        gpusPerWorker = try section.int("gpus_per_worker", default: gpusPerWorker, in: 0...64)
        let cpus = try section.int("cpus_per_worker", default: 0, in: 0...1_024)
        cpusPerWorker = cpus == 0 ? nil : cpus
        sbatchOptions = try section.strings("sbatch_options", default: sbatchOptions)
        if let bad = sbatchOptions.first(where: { !$0.hasPrefix("-") }) {
            throw section.error("sbatch_options", "expected sbatch options (each starting with '-'), got '\(bad)'")
        }
    }
}
