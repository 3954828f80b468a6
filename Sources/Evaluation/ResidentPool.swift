import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The running instances of one resident command (`resident = true` in a task's `[command]`),
/// shared by an evaluator's threads: a run takes an idle instance, or starts one when none is idle
/// (so as many run at once as the evaluator's callers), sends it one job line and reads one reply
/// line. An instance that fails a job by its own means (a crash, a hang past the timeout, a reply
/// that breaks the protocol) is killed, and the next job starts a fresh one; a job the command
/// reports as failed leaves it serving.
///
/// The protocol (version 1), one JSON object a line each way: the command first writes
/// `{"ready": true}` (optionally with `"protocol": 1`), then answers each job
/// `{"id", "file", "beta", "seed", "settings"}` with `{"id", "fitness", "metrics"}` or
/// `{"id", "error"}`. Other lines it writes to standard output are ignored; its standard error goes
/// to a log whose end is quoted in failures.
final class ResidentPool: Sendable {
    let settings: CommandTaskSettings
    private let interruption: CommandInterruption
    /// Where the instances' logs live: removed with the pool, or by the next evaluator after a `kill -9`.
    private let directory = CommandEvaluator.scratchDirectory()
    private let state = Mutex((idle: [ResidentServer](), started: 0, jobs: 0))

    init(settings: CommandTaskSettings, interruption: CommandInterruption) {
        (self.settings, self.interruption) = (settings, interruption)
    }

    deinit {
        shutDown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Kills the idle instances (a running job's is killed by the interruption, or returns to a pool that is closed).
    func shutDown() {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            return state.idle
        }
        for server in idle { server.stop() }
    }

    /// One run: the candidate at `file` trained at (beta, seed); its metrics, the fitness among them.
    func run(file: String, beta: Double, seed: UInt64) -> Result<[String: Double], CommandEvaluator.RunFailure> {
        let at = "(beta \(beta), seed \(seed))"
        let server: ResidentServer
        switch take() {
        case let .success(taken): server = taken
        case let .failure(failure):
            let interrupted = failure.problem == EvaluationResult.interruptedReason
            return .failure(.init(message: interrupted ? failure.problem : "\(failure.problem) \(at)\(failure.logTail)"))
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(settings.timeoutSeconds * 1e9)
        truncate(server.logPath, 0)  // the log's end then is this job's
        let id = state.withLock { state in
            state.jobs += 1
            return state.jobs
        }
        let job = ResidentJob(id: id, file: file, beta: beta, seed: seed, settings: settings.jobSettings)
        func fail(_ message: String, keep: Bool = false) -> Result<[String: Double], CommandEvaluator.RunFailure> {
            if interruption.isInterrupted {
                server.stop()
                return .failure(.init(message: EvaluationResult.interruptedReason))
            }
            let description = message.contains("{exit}") ? message.replacingOccurrences(of: "{exit}", with: server.exitDescription()) : message
            if keep { give(back: server) } else { server.stop() }
            return .failure(.init(message: "\(description) \(at)" + ChildProcess.logTail(server.logPath, limit: settings.maxOutputBytes)))
        }
        guard server.send(Array(job.line.utf8)) else { return fail("the resident command {exit} before it was sent the job") }
        while true {
            switch server.readLine(deadline: deadline, limit: settings.maxOutputBytes) {
            case .closed: return fail("the resident command {exit} during the job; the next job starts it again")
            case .timedOut:
                return fail("the job timed out after \(settings.timeoutSeconds) s and the resident command's process group was killed")
            case .tooLong: return fail("the resident command wrote a line longer than \(settings.maxOutputBytes) bytes")
            case let .line(bytes):
                guard let reply = Self.object(bytes), let replyID = reply["id"] as? NSNumber, replyID.intValue == id else { continue }
                if let error = reply["error"] {
                    return fail("the command failed the job: \(error as? String ?? "\(error)")", keep: true)
                }
                switch CommandEvaluator.metrics(of: Data(bytes)) {
                case let .success(metrics):
                    give(back: server)
                    return .success(metrics)
                case let .failure(problem): return fail("the reply to the job is wrong: \(problem.message)", keep: true)
                }
            }
        }
    }

    /// Why no instance could be had: the problem, and the end of the instance's log.
    struct StartFailure: Error {
        var problem: String
        var logTail = ""
    }

    /// An idle instance, or a new one once it has said it is ready.
    private func take() -> Result<ResidentServer, StartFailure> {
        if let idle = state.withLock({ $0.idle.popLast() }) { return .success(idle) }
        guard !interruption.isInterrupted else { return .failure(StartFailure(problem: EvaluationResult.interruptedReason)) }
        let number = state.withLock { state in
            state.started += 1
            return state.started
        }
        let server: ResidentServer
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            server = try ResidentServer(argv: settings.argv, logPath: directory + "/server-\(number).log", interruption: interruption)
        } catch ResidentFailure.cannotStart(let message) {
            return .failure(StartFailure(problem: message))
        } catch {
            return .failure(StartFailure(problem: EvaluationResult.interruptedReason))
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(settings.timeoutSeconds * 1e9)
        while true {
            let problem: String
            switch server.readLine(deadline: deadline, limit: settings.maxOutputBytes) {
            case let .line(bytes):
                guard let hello = Self.object(bytes), hello["ready"] as? Bool == true else { continue }
                if let version = hello["protocol"] as? NSNumber, version.intValue != 1 {
                    problem = "the resident command speaks protocol \(version), this evod speaks 1"
                    break
                }
                return .success(server)
            case .closed: problem = "the resident command \(server.exitDescription()) before it was ready"
            case .timedOut: problem = "the resident command was not ready after \(settings.timeoutSeconds) s and its process group was killed"
            case .tooLong: problem = "the resident command wrote a line longer than \(settings.maxOutputBytes) bytes"
            }
            server.stop()
            if interruption.isInterrupted { return .failure(StartFailure(problem: EvaluationResult.interruptedReason)) }
            return .failure(StartFailure(problem: problem, logTail: ChildProcess.logTail(server.logPath, limit: settings.maxOutputBytes)))
        }
    }

    /// Puts an instance back among the idle ones (or stops it, after an interruption).
    private func give(back server: ResidentServer) {
        if interruption.isInterrupted {
            server.stop()
        } else {
            state.withLock { $0.idle.append(server) }
        }
    }

    private static func object(_ bytes: [UInt8]) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }
}

/// One job line of the resident protocol.
struct ResidentJob: Encodable {
    var id: Int
    var file: String
    var beta: Double
    var seed: UInt64
    var settings: [String: JobSetting]

    var line: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
