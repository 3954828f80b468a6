import Evaluation
import Foundation
import Model
import Wire

/// An island's request to evaluate one candidate at one cascade stage (island -> broker).
///
/// `requestID` is chosen by the island and stable across restarts, so a re-sent request is
/// recognised: the broker keeps one job per request id and answers it once per send.
public struct EvaluationRequest: Codable, Sendable, Hashable, EnvelopeMessage {
    public static let types: Set<String> = ["request"]
    public var v = Envelope.version
    public var type = "request"
    public var requestID: String
    public var taskHash: String
    public var fingerprint: String
    public var stage: Stage
    public var name: String
    /// The candidate in the compact loss language: parsed, never executed.
    public var source: String

    public init(requestID: String, taskHash: String, fingerprint: String, stage: Stage, name: String, source: String) {
        (self.requestID, self.taskHash, self.fingerprint, self.stage, self.name, self.source) =
            (requestID, taskHash, fingerprint, stage, name, source)
    }

    /// What the result cache is keyed by: the same loss on the same task at the same stage.
    public var cacheKey: CacheKey { CacheKey(fingerprint: fingerprint, taskHash: taskHash, stage: stage) }

    enum CodingKeys: String, CodingKey {
        case v, type, requestID = "request_id", taskHash = "task_hash", fingerprint, stage, name, source
    }
}

/// The key of the broker's result cache.
public struct CacheKey: Hashable, Sendable {
    public var fingerprint: String
    public var taskHash: String
    public var stage: Stage

    public init(fingerprint: String, taskHash: String, stage: Stage) { (self.fingerprint, self.taskHash, self.stage) = (fingerprint, taskHash, stage) }
}

/// The broker's answer to a request (broker -> island): this header, then a second frame with the
/// result's JSON, which the broker passes on (and caches) as the worker wrote it, never re-encoding it.
public struct EvaluationReply: Codable, Sendable, EnvelopeMessage {
    public static let types: Set<String> = ["result"]
    public var v = Envelope.version
    public var type = "result"
    public var requestID: String
    /// True when the result came from the cache or from another island's identical request.
    public var cached: Bool

    public init(requestID: String, cached: Bool) {
        (self.requestID, self.cached) = (requestID, cached)
    }

    enum CodingKeys: String, CodingKey { case v, type, requestID = "request_id", cached }
}

/// What a worker says to the broker: `ready` (on start: its task and thread count), `heartbeat`
/// (the same fields, so a restarted broker learns of it), and `result` (of one job; the result's
/// JSON follows in a second frame).
public struct WorkerMessage: Codable, Sendable, EnvelopeMessage {
    public static let types: Set<String> = ["ready", "heartbeat", "result"]
    public var v = Envelope.version
    public var type: String
    public var taskHash: String?
    public var capacity: Int?
    public var job: Int64?

    public static func ready(taskHash: String, capacity: Int) -> WorkerMessage {
        WorkerMessage(type: "ready", taskHash: taskHash, capacity: capacity)
    }

    public static func heartbeat(taskHash: String, capacity: Int) -> WorkerMessage {
        WorkerMessage(type: "heartbeat", taskHash: taskHash, capacity: capacity)
    }

    /// The two frames of a result: this header and the result's JSON.
    public static func result(job: Int64, _ result: EvaluationResult) -> [Data] {
        [Envelope.encode(WorkerMessage(type: "result", job: job)), Envelope.encode(result)]
    }

    enum CodingKeys: String, CodingKey { case v, type, taskHash = "task_hash", capacity, job }

    /// What a worker says, with the fields each kind needs.
    public enum Kind: Sendable, Hashable {
        /// It joins (or rejoins) with this task and this many threads.
        case ready(taskHash: String, capacity: Int)
        /// It is alive (and, if the broker forgot it, joins).
        case heartbeat(taskHash: String, capacity: Int)
        /// The result of a job follows in the next frame.
        case result(job: Int64)
    }

    /// The message as its kind; throws ``Envelope/Rejection/malformed(_:)`` when a field its type
    /// needs is missing.
    public func kind() throws -> Kind {
        switch type {
        case "ready", "heartbeat":
            guard let taskHash, let capacity else { throw Envelope.Rejection.malformed("'\(type)' needs task_hash and capacity") }
            return type == "ready" ? .ready(taskHash: taskHash, capacity: capacity) : .heartbeat(taskHash: taskHash, capacity: capacity)
        case "result":
            guard let job else { throw Envelope.Rejection.malformed("'result' needs a job") }
            return .result(job: job)
        default:
            throw Envelope.Rejection.unexpectedType(type)
        }
    }
}

/// A job handed to a worker (broker -> worker): the request's loss, stage and task, under the
/// broker's job number. `type` is `job`, or `heartbeat` for the broker's own liveness beat.
public struct JobMessage: Codable, Sendable, EnvelopeMessage {
    public static let types: Set<String> = ["job"]
    public var v = Envelope.version
    public var type = "job"
    public var job: Int64
    public var taskHash: String
    public var stage: Stage
    public var name: String
    public var source: String

    enum CodingKeys: String, CodingKey { case v, type, job, taskHash = "task_hash", stage, name, source }
}

/// A result trained again after the worker that produced the one an island may hold was quarantined
/// (broker -> every island): this header, then a second frame with the new result's JSON. An island
/// that holds a different result for this loss and stage takes the new one (docs/farm-trust.md).
public struct EvaluationCorrection: Codable, Sendable, Hashable, EnvelopeMessage {
    public static let types: Set<String> = ["correction"]
    public var v = Envelope.version
    public var type = "correction"
    public var taskHash: String
    public var fingerprint: String
    public var stage: Stage

    public init(taskHash: String, fingerprint: String, stage: Stage) {
        (self.taskHash, self.fingerprint, self.stage) = (taskHash, fingerprint, stage)
    }

    enum CodingKeys: String, CodingKey { case v, type, taskHash = "task_hash", fingerprint, stage }
}

/// What an island sends the broker when it (re)connects (island -> broker): the broker answers with
/// every correction made so far.
public struct IslandHello: Codable, Sendable, Hashable, EnvelopeMessage {
    public static let types: Set<String> = ["hello"]
    public var v = Envelope.version
    public var type = "hello"

    public init() {}
}
