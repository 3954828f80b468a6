import Foundation

/// A request to a control endpoint (docs/architecture.md §9), as islands, the farm, `evoctl`, the reset
/// logic and the dashboard send it. On the wire it is one JSON object with a `command` and the
/// command's arguments: `{"command": "best", "top": 5}`, `{"command": "pause", "token": "..."}`.
public enum ControlRequest: Sendable, Hashable {
    /// The island's ``IslandStatus``, or the farm's ``FarmStatus``.
    case status
    /// The island's best candidates, confirmed first (``CandidateSummary`` list).
    case best(top: Int)
    /// One candidate of the island.
    case show(id: Int64)
    /// The island's archive (``ArchiveSnapshot``).
    case archive
    /// The island's migration log summed by direction, peer and outcome (``MigrationFlow`` list).
    case migrations
    /// The island's last `limit` finished generations (``HistoryPoint`` list, oldest first).
    case history(limit: Int)
    /// Changes the island's run state; needs its token.
    case pause(token: String)
    case resume(token: String)
    /// Stops the island or the farm; needs its token.
    case stop(token: String)
    /// Lifts a farm worker's quarantine (by the name status shows); needs the farm's token.
    case release(worker: String, token: String)

    /// The request's command, as the wire names it.
    public var command: ControlCommand {
        switch self {
        case .status: .status
        case .best: .best
        case .show: .show
        case .archive: .archive
        case .migrations: .migrations
        case .history: .history
        case .pause: .pause
        case .resume: .resume
        case .stop: .stop
        case .release: .release
        }
    }

    /// The token a state-changing request carries; nil for the read-only ones.
    public var token: String? {
        switch self {
        case let .pause(token), let .resume(token), let .stop(token), let .release(_, token): token
        default: nil
        }
    }
}

/// The commands of the control protocol.
public enum ControlCommand: String, Sendable, Hashable, CaseIterable, Codable {
    case status, best, show, archive, migrations, history, pause, resume, stop, release

    /// The commands that change state and need the token.
    public var changesState: Bool { [.pause, .resume, .stop, .release].contains(self) }
}

extension ControlRequest: Codable {
    private enum CodingKeys: String, CodingKey { case command, top, id, limit, token, worker }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .command)
        guard let command = ControlCommand(rawValue: name) else {
            let known = ControlCommand.allCases.map(\.rawValue).joined(separator: ", ")
            throw ControlError.malformedRequest("unknown command '\(name)' (\(known))")
        }
        func token() throws -> String { try container.decodeIfPresent(String.self, forKey: .token) ?? "" }
        switch command {
        case .status: self = .status
        case .best: self = .best(top: max(0, try container.decodeIfPresent(Int.self, forKey: .top) ?? 10))
        case .show:
            guard let id = try? container.decode(Int64.self, forKey: .id) else {
                throw ControlError.malformedRequest("'show' needs a numeric \"id\"")
            }
            self = .show(id: id)
        case .archive: self = .archive
        case .migrations: self = .migrations
        case .history: self = .history(limit: max(0, try container.decodeIfPresent(Int.self, forKey: .limit) ?? 1_000))
        case .pause: self = .pause(token: try token())
        case .resume: self = .resume(token: try token())
        case .stop: self = .stop(token: try token())
        case .release:
            guard let worker = try? container.decode(String.self, forKey: .worker), !worker.isEmpty else {
                throw ControlError.malformedRequest("'release' needs the worker's name in \"worker\"")
            }
            self = .release(worker: worker, token: try token())
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
        switch self {
        case let .best(top): try container.encode(top, forKey: .top)
        case let .show(id): try container.encode(id, forKey: .id)
        case let .history(limit): try container.encode(limit, forKey: .limit)
        case let .release(worker, token):
            try container.encode(worker, forKey: .worker)
            try container.encode(token, forKey: .token)
        default: try container.encodeIfPresent(token, forKey: .token)
        }
    }

    /// Requests larger than this are refused.
    public static let maximumSize = 64 * 1024

    /// Decodes a request from the wire, with an error that says what was wrong.
    public static func decode(from data: Data) throws(ControlError) -> ControlRequest {
        guard data.count <= maximumSize else {
            throw .malformedRequest("\(data.count) bytes refused: the limit is \(maximumSize)")
        }
        do {
            return try JSONDecoder().decode(ControlRequest.self, from: data)
        } catch let error as ControlError {
            throw error
        } catch {
            throw .malformedRequest("expected a JSON object with a \"command\" string")
        }
    }
}
