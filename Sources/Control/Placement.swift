import Foundation

/// Where a process runs: its host, pid and, under Slurm, its job (`evoctl status`).
public struct Placement: Codable, Sendable, Hashable {
    public var host: String
    public var pid: Int32
    /// `SLURM_JOB_ID`, or `<array job>_<task>` for a task of a job array; nil outside Slurm.
    public var slurmJob: String?

    public init(host: String, pid: Int32, slurmJob: String?) { (self.host, self.pid, self.slurmJob) = (host, pid, slurmJob) }

    /// This process's placement, from its host name, pid and Slurm's environment.
    public static func current() -> Placement {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Placement(host: host, pid: getpid(), slurmJob: slurmJob(ProcessInfo.processInfo.environment))
    }

    /// The Slurm job of a process with `environment`, as `squeue` and `scancel` name it.
    public static func slurmJob(_ environment: [String: String]) -> String? {
        if let array = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"] { return "\(array)_\(task)" }
        return environment["SLURM_JOB_ID"]
    }

    enum CodingKeys: String, CodingKey { case host, pid, slurmJob = "slurm_job" }
}
