import ArgumentParser
import Foundation
import Island

/// `evoctl status [--json]`: every island of the config and the farm.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every island of the cluster: state, generation, archive, best, counters.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Print {\"islands\": [...], \"farm\": {...} or null} as JSON.")
    var json = false

    func run() throws {
        let config = try cluster.loadCluster()
        let islands = try cluster.askEveryIsland(config, ["command": "status"]).map { id, answer -> [String: Any] in
            switch answer {
            case let .success(status): status as? [String: Any] ?? ["id": id, "state": "down", "error": "malformed status"]
            case let .failure(error): ["id": id, "state": "down", "error": "\(error)"]
            }
        }
        var farm: Any = NSNull()
        if config.evaluator == .farm {
            let client = ControlClient(endpoint: config.farm.controlEndpoint, timeoutMilliseconds: Int32(cluster.timeout * 1000))
            do { farm = try client.request(["command": "status"]) } catch { farm = ["state": "down", "error": "\(error)"] }
        }
        if json {
            print(ClusterOptions.json(["islands": islands, "farm": farm]))
            return
        }
        printIslands(islands)
        printEvaluatorProblems(islands)
        printProposers(islands)
        printFarm(farm)
    }

    /// A line per island whose generations fail (a fault) or whose evaluations wait for a farm that does not answer.
    func printEvaluatorProblems(_ islands: [[String: Any]]) {
        for island in islands {
            if let fault = island["fault"] as? [String: Any] {
                print(
                    String(
                        format: "island %d: generations stopped for %.0f s, retrying: %@", island["id"] as? Int ?? 0,
                        fault["seconds"] as? Double ?? 0, fault["error"] as? String ?? "?"))
            }
            guard let evaluator = island["evaluator"] as? [String: Any], evaluator["state"] as? String == "unreachable" else { continue }
            let evaluations = island["evaluations"] as? [String: Any] ?? [:]
            print(
                String(
                    format: "island %d: no farm answers at %@ for %.0f s; %d evaluations wait (start it: `evod --farm` or `evoctl up`)",
                    island["id"] as? Int ?? 0, evaluator["endpoint"] as? String ?? "?", evaluator["unreachable_s"] as? Double ?? 0,
                    evaluations["inflight"] as? Int ?? 0))
        }
    }

    /// One line per island whose proposer is an LLM: state, requests, tokens, cost, outcomes, failures.
    func printProposers(_ islands: [[String: Any]]) {
        for island in islands {
            guard let proposer = island["proposer"] as? [String: Any], proposer["kind"] as? String == "llm" else { continue }
            let tokens = proposer["tokens"] as? [String: Any] ?? [:]
            let outcomes = (proposer["proposals"] as? [String: Int] ?? [:]).filter { $0.value > 0 }.sorted { $0.key < $1.key }
            let failures = (proposer["failures"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key }
            print(
                String(
                    format: "llm %2d  %@  %@  requests %d  tokens %d  cost %.4f  proposals %@  failures %@", island["id"] as? Int ?? 0,
                    proposer["model"] as? String ?? "?", proposer["state"] as? String ?? "?", proposer["requests"] as? Int ?? 0,
                    tokens["total"] as? Int ?? 0, proposer["cost"] as? Double ?? 0,
                    outcomes.isEmpty ? "-" : outcomes.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                    failures.isEmpty ? "-" : failures.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        }
    }

    func printIslands(_ islands: [[String: Any]]) {
        print("island  state     gen   pop  evals/confirmed  archive         coverage  qd_score  migration s/r/a  best (confirmed fitness, else search)")
        for island in islands {
            let id = island["id"] as? Int ?? 0
            let state = island["state"] as? String ?? "?"
            guard state != "down" else { print(String(format: "%6d  %@", id, "down      \(island["error"] ?? "")")); continue }
            let archive = island["archive"] as? [String: Any] ?? [:]
            let best = island["best"] as? [String: Any]
            let migration = island["migration"] as? [String: Any] ?? [:]
            let flows = "\(migration["sent"] ?? 0)/\(migration["received"] ?? 0)/\(migration["accepted"] ?? 0)"
            let bestText =
                best.map {
                    "\($0["name"] ?? "?") (#\($0["id"] ?? "?")) \(ReportFormat.fixed($0["fitness"] as? Double ?? .nan))"
                        + (($0["confirmed"] as? Bool) == true ? " confirmed" : " search")
                } ?? "-"
            let evaluations = island["evaluations"] as? [String: Any] ?? [:]
            let counts = "\(evaluations["done"] ?? 0)/\(evaluations["confirmed"] ?? 0)"
            print(
                String(
                    format: "%6d  %@ %5d %5d  %@  %4d / %-6d  %7.3f  %8.3f  %@  %@", id, state.padding(toLength: 9, withPad: " ", startingAt: 0),
                    island["generation"] as? Int ?? 0, island["population"] as? Int ?? 0, counts.padding(toLength: 15, withPad: " ", startingAt: 0),
                    archive["filled"] as? Int ?? 0,
                    archive["cells"] as? Int ?? 0, archive["coverage"] as? Double ?? 0, archive["qd_score"] as? Double ?? 0,
                    flows.padding(toLength: 15, withPad: " ", startingAt: 0), bestText))
        }
    }

    func printFarm(_ farm: Any) {
        guard let farm = farm as? [String: Any] else { return }
        if farm["state"] as? String == "down" {
            print("farm    down      \(farm["error"] ?? "")")
            return
        }
        print(
            String(
                format: "farm    workers %d  queue %d  inflight %d  done %d  cache hits %d  requeued %d  dropped %d  up %.0f s",
                farm["workers"] as? Int ?? 0, farm["queue"] as? Int ?? 0, farm["inflight"] as? Int ?? 0, farm["done"] as? Int ?? 0,
                farm["cache_hits"] as? Int ?? 0, farm["requeued"] as? Int ?? 0, farm["dropped_messages"] as? Int ?? 0,
                farm["uptime_s"] as? Double ?? 0))
    }
}
