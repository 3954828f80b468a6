import Farm
import Foundation
import LossDescriptors
import Search

/// Answers control requests (DESIGN.md §9): one JSON object in, one JSON object out,
/// `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}`. Never throws, never crashes on
/// input: malformed requests are counted and answered with the reason.
public struct ControlHandler: Sendable, CustomStringConvertible {
    public let engine: IslandEngine
    public let controls: IslandControls
    public let token: String
    /// The island's connection to the farm, when it evaluates there: its health goes into status.
    public let farm: FarmClient?

    public init(engine: IslandEngine, controls: IslandControls, token: String, farm: FarmClient? = nil) {
        (self.engine, self.controls, self.token, self.farm) = (engine, controls, token, farm)
    }

    static let stateChanging: Set<String> = ["pause", "resume", "stop"]

    /// Never shows the token.
    public var description: String { "ControlHandler(island \(engine.settings.id))" }

    /// Requests larger than this are counted and refused.
    public static let maximumRequestSize = 64 * 1024

    public func handle(_ request: Data) -> Data {
        guard request.count <= Self.maximumRequestSize else {
            controls.countDropped()
            return Self.reply(error: "request of \(request.count) bytes refused: the limit is \(Self.maximumRequestSize)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: request) as? [String: Any],
            let command = object["command"] as? String
        else {
            controls.countDropped()
            return Self.reply(error: "malformed request: expected a JSON object with a \"command\" string")
        }
        if Self.stateChanging.contains(command), (object["token"] as? String) != token {
            return Self.reply(error: "'\(command)' needs the island's token (from its state directory)")
        }
        do {
            switch command {
            case "status": return Self.reply(try status())
            case "best": return Self.reply(try best(top: object["top"] as? Int ?? 10).map(Self.describe))
            case "show":
                guard let id = (object["id"] as? NSNumber)?.int64Value else { return Self.reply(error: "'show' needs a numeric \"id\"") }
                guard let candidate = try engine.store.candidate(id) else { return Self.reply(error: "no candidate \(id) on island \(engine.settings.id)") }
                return Self.reply(Self.describe(candidate))
            case "archive": return Self.reply(archive())
            case "migrations": return Self.reply(try migrations())
            case "pause": controls.pause(); return Self.reply(["state": controls.current.rawValue])
            case "resume": controls.resume(); return Self.reply(["state": controls.current.rawValue])
            case "stop": controls.stop(); return Self.reply(["state": controls.current.rawValue])
            default:
                controls.countDropped()
                return Self.reply(error: "unknown command '\(command)' (status, best, show, archive, migrations, pause, resume, stop)")
            }
        } catch {
            return Self.reply(error: "the island could not answer: \(error)")
        }
    }

    func status() throws -> [String: Any] {
        let store = engine.store
        let counters = try store.counters()
        let archive = engine.archive
        var best: Any = NSNull()
        if let candidate = try self.best(top: 1).first, let fitness = candidate.rankingFitness, let id = candidate.id {
            best = [
                "id": id, "name": candidate.name, "fitness": fitness, "search_fitness": candidate.fitness ?? NSNull(),
                "confirmed": candidate.confirmedFitness != nil,
            ]
        }
        return [
            "id": engine.settings.id, "state": controls.current.rawValue, "generation": try store.generation(),
            "population": try store.candidateCount(),
            "archive": [
                "filled": archive.filled, "cells": archive.bins.cellCount, "coverage": archive.coverage,
                "qd_score": archive.qdScore(floor: engine.settings.qdFloor),
            ],
            "best": best,
            "evaluations": [
                "done": counters["evaluations.done", default: 0], "inflight": try store.candidates(status: .pending).count,
                "failed": counters["evaluations.failed", default: 0], "cached": counters["evaluations.cached", default: 0],
                "confirmed": counters["evaluations.stage3", default: 0],
                "confirmation_failed": counters["evaluations.stage3_failed", default: 0],
            ],
            "proposals": [
                "valid": counters["proposals.pending", default: 0], "invalid": counters["proposals.invalid", default: 0],
                "duplicate": counters["proposals.duplicate", default: 0],
            ],
            "migration": [
                "sent": counters["migration.sent", default: 0], "received": counters["migration.received", default: 0],
                "accepted": counters["migration.accepted", default: 0], "rejected": counters["migration.rejected", default: 0],
                "dropped": counters["migration.dropped", default: 0], "resets": counters["migration.resets", default: 0],
            ],
            "proposer": try proposerStatus(counters),
            "evaluator": evaluatorStatus(),
            "fault": controls.fault.map { ["error": $0.message, "seconds": Date().timeIntervalSince($0.since)] as [String: Any] } ?? NSNull(),
            "uptime_s": Date().timeIntervalSince(controls.started),
            "dropped_messages": controls.droppedMessages,
        ]
    }

    /// Where evaluations run, and whether the farm answers: `{"kind": "local"}`, or
    /// `{"kind": "farm", "state": "answering" | "unreachable", "unreachable_s": seconds}`.
    func evaluatorStatus() -> [String: Any] {
        guard let farm else { return ["kind": "local"] }
        guard let since = farm.unreachableSince else { return ["kind": "farm", "state": "answering"] }
        return ["kind": "farm", "state": "unreachable", "unreachable_s": Date().timeIntervalSince(since), "endpoint": farm.endpoint]
    }

    /// The proposer: `mutation`, or the LLM's requests, tokens, cost, budget and failures by reason.
    func proposerStatus(_ counters: [String: Int]) throws -> [String: Any] {
        guard let llm = engine.llm else { return ["kind": "mutation"] }
        var outcomes = try engine.store.proposalOutcomes(proposer: "llm")
        for status in CandidateStatus.allCases.map(\.rawValue) { outcomes[status, default: 0] += 0 }
        let prompt = counters["llm.tokens.prompt", default: 0], completion = counters["llm.tokens.completion", default: 0]
        let failures = counters.filter { $0.key.hasPrefix("llm.failed.") }.reduce(into: [String: Int]()) { $0[String($1.key.dropFirst(11))] = $1.value }
        let spent = llm.budgetSpent(tokens: prompt + completion)
        return [
            "kind": "llm", "model": llm.config.model, "state": spent ? "budget spent" : "proposing",
            "requests": counters["llm.requests", default: 0],
            "tokens": ["prompt": prompt, "completion": completion, "total": prompt + completion],
            "cost": llm.cost(tokens: prompt + completion),
            "budget": ["tokens": llm.config.budgetTokens, "cost": llm.config.budgetCost, "spent": spent],
            "proposals": outcomes,
            "failures": failures,
            // Archive-directed prompts: explore requests, proposals that landed in the target cell,
            // and valid proposals whose shape fell in an empty cell, by kind of request.
            "directed": [
                "explore_requests": counters["llm.explore.requests", default: 0],
                "on_target": counters["llm.explore.on_target", default: 0],
                "new_cell_explore": counters["llm.new_cell.explore", default: 0],
                "new_cell_exploit": counters["llm.new_cell.exploit", default: 0],
            ],
            "near_duplicates": counters["llm.near_duplicates", default: 0],
        ]
    }

    /// The best candidates: the confirmed ones by confirmed fitness, then the archive's other elites
    /// by search fitness (DESIGN.md §5.4: "best" means best confirmed).
    func best(top: Int) throws -> [CandidateRecord] {
        let top = max(top, 0)
        var pool: [Int64: CandidateRecord] = [:]
        for record in try engine.store.bestConfirmed(limit: top) { if let id = record.id { pool[id] = record } }
        let elites = engine.archive.elites.values.sorted { ($0.fitness, -$0.candidate) > ($1.fitness, -$1.candidate) }
        for elite in elites.prefix(top + pool.count) where pool[elite.candidate] == nil {
            if let record = try engine.store.candidate(elite.candidate) { pool[elite.candidate] = record }
        }
        return pool.values.sorted { ($0.rankingKey, -($0.id ?? 0)) > ($1.rankingKey, -($1.id ?? 0)) }.prefix(top).map { $0 }
    }

    /// The migration log summed by direction, peer and outcome.
    func migrations() throws -> [[String: Any]] {
        var groups: [String: [String: Any]] = [:]
        for entry in try engine.store.migrationLog() {
            let outcome = entry.outcome.hasPrefix("rejected") ? "rejected" : entry.outcome
            let key = "\(entry.direction)|\(entry.peer)"
            var group = groups[key] ?? ["direction": entry.direction, "peer": entry.peer, "candidates": 0, "messages": Set<Int>(), "outcomes": [String: Int]()]
            group["candidates"] = (group["candidates"] as? Int ?? 0) + 1
            group["messages"] = (group["messages"] as? Set<Int> ?? []).union([entry.sequence])
            var outcomes = group["outcomes"] as? [String: Int] ?? [:]
            outcomes[outcome, default: 0] += 1
            group["outcomes"] = outcomes
            groups[key] = group
        }
        return groups.keys.sorted().compactMap { groups[$0] }.map { group in
            var group = group
            group["messages"] = (group["messages"] as? Set<Int>)?.count ?? 0
            return group
        }
    }

    func archive() -> [String: Any] {
        let archive = engine.archive
        let bins = archive.bins
        return [
            "island": engine.settings.id,
            "bins": [
                "convexity": [bins.convexity.lower, bins.convexity.upper, Double(bins.convexity.count)],
                "grad0": [bins.grad0.lower, bins.grad0.upper, Double(bins.grad0.count)],
                "beta_sensitivity": [bins.betaSensitivity.lower, bins.betaSensitivity.upper, Double(bins.betaSensitivity.count)],
            ],
            "cells": archive.ordered.map { cell, elite -> [String: Any] in
                let (c, g, s) = bins.coordinates(of: cell)
                return [
                    "cell": cell, "convexity_bin": c, "grad0_bin": g, "beta_sensitivity_bin": s,
                    "candidate": elite.candidate, "fitness": elite.fitness,
                ]
            },
        ]
    }

    static func describe(_ c: CandidateRecord) -> [String: Any] {
        var object: [String: Any] = [
            "id": c.id ?? -1, "name": c.name, "generation": c.generation, "source": c.source, "parents": c.parentIDs,
            "proposer": c.proposer, "status": c.status.rawValue,
        ]
        let optional: [String: Any?] = [
            "canonical": c.canonical, "fingerprint": c.fingerprint, "error": c.error,
            "duplicate_of": c.duplicateOf, "fitness": c.fitness, "stage": c.stage, "outcome": c.outcome,
            "confirmed_fitness": c.confirmedFitness, "confirmed_difference": c.confirmedDifference,
            "confirmed_se": c.confirmedStandardError, "ranking_fitness": c.rankingFitness,
        ]
        for (key, value) in optional { object[key] = value ?? NSNull() }
        let json: [String: String?] = ["metrics": c.metrics, "members": c.members, "confirmed_members": c.confirmedMembers]
        for (key, text) in json {
            if let text, let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)) { object[key] = parsed }
        }
        if let convexity = c.convexity, let grad0 = c.grad0, let s = c.betaSensitivity {
            object["descriptors"] = ["convexity": convexity, "grad0": grad0, "beta_sensitivity": s]
        }
        return object
    }

    static func reply(_ result: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["ok": true, "result": result], options: [.sortedKeys])) ?? Data("{\"ok\":false}".utf8)
    }

    static func reply(error: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["ok": false, "error": error], options: [.sortedKeys])) ?? Data("{\"ok\":false}".utf8)
    }
}
