import Control
import ControlPlane
import Foundation

/// The dashboard's pages as HTML, from the typed replies; every text from outside is escaped.
enum Pages {
    static func candidateLink(island: Int, id: Int64, text: String) -> String { HTML.link("/islands/\(island)/candidates/\(id)", text) }

    /// The cluster: every island's state, generation, archive, best and counters; the farm; the best losses.
    static func cluster(_ report: ClusterReport, best: [BestRow]) -> String {
        let rows = report.islands.map { island -> [String] in
            guard let s = island.status else {
                guard case let .down(id, error) = island else { return [] }
                return [HTML.link("/islands/\(id)", "\(id)"), "<span class=\"down\">down</span>", "", "", "", "", "", "", HTML.escape(error)]
            }
            let best = s.best.map { candidateLink(island: s.id, id: $0.id, text: $0.name) + " \(HTML.number($0.fitness)) \($0.confirmed ? "confirmed" : "search")" } ?? "-"
            let fault = s.fault.map { "<span class=\"fault\">\(HTML.escape($0.error)) (\(Int($0.seconds)) s)</span>" } ?? ""
            let farm = s.evaluator.state == .unreachable ? "<span class=\"fault\">no farm answers</span>" : ""
            let warned = s.warnings == nil ? "" : " <span class=\"warning\">" + HTML.link("/islands/\(s.id)", "warning") + "</span>"
            return [
                HTML.link("/islands/\(s.id)", "\(s.id)"), HTML.escape(s.state.rawValue), "\(s.generation)", "\(s.population)",
                "\(s.evaluations.done) / \(s.evaluations.confirmed)", "\(s.archive.filled) / \(s.archive.cells)", HTML.number(s.archive.qdScore, digits: 3),
                "\(s.migration.sent) / \(s.migration.received) / \(s.migration.accepted)", best + " " + fault + farm + warned,
            ]
        }
        var html = HTML.table(
            ["island", "state", "gen", "pop", "evals / confirmed", "archive", "QD-score", "migration s / r / a", "best (confirmed fitness, else search)"], rows,
            id: "islands")
        switch report.farm {
        case nil: html += "<p class=\"muted\">evaluations run on each island (no farm)</p>"
        case let .down(error): html += "<p id=\"farm\" class=\"down\">farm down: \(HTML.escape(error))</p>"
        case let .up(f):
            let throughput = f.uptimeSeconds > 0 ? Double(f.done) / f.uptimeSeconds : 0
            html +=
                "<p id=\"farm\">farm: \(f.workers) workers, queue \(f.queue), in flight \(f.inflight), done \(f.done) (\(HTML.number(throughput, digits: 2)) /s), cache hits \(f.cacheHits), requeued \(f.requeued)</p>"
            if let audit = f.audit {
                html +=
                    "<p id=\"audit\">audits: \(audit.audited) agreed, \(audit.disagreements) disagreements, \(audit.purged) results purged, \(audit.corrections) corrected</p>"
                for worker in audit.quarantined {
                    html +=
                        "<p class=\"fault\">quarantined worker <code>\(HTML.escape(worker.name))</code>: \(HTML.escape(worker.reason)) "
                        + "(<code>evoctl farm release \(HTML.escape(worker.name))</code>)</p>"
                }
            }
        }
        let bestRows = best.map { row -> [String] in
            let c = row.candidate
            return [
                HTML.number(c.rankingFitness), c.confirmedFitness == nil ? "search" : "confirmed", "\(row.island)", candidateLink(island: row.island, id: c.id, text: c.name),
                "<code>\(HTML.escape(c.canonical ?? c.source))</code>",
            ]
        }
        html += "<h2>best losses</h2>" + HTML.table(["fitness", "", "island", "name", "loss"], bestRows, id: "best")
        return html
    }

    /// An island: status, the archive as an interactive heatmap, fitness over time.
    static func island(_ s: IslandStatus, archive: ArchiveSnapshot, history: [HistoryPoint]) -> String {
        var html =
            "<p>\(HTML.escape(s.state.rawValue)), generation \(s.generation), \(s.population) candidates, \(s.evaluations.done) evaluations, "
            + "\(s.evaluations.confirmed) confirmed\(s.evaluations.audited > 0 ? ", \(s.evaluations.audited) audited" : ""); "
            + "archive \(s.archive.filled) of \(s.archive.cells) cells</p>"
        if let fault = s.fault { html += "<p class=\"fault\">\(HTML.escape(fault.error)) (\(Int(fault.seconds)) s)</p>" }
        for warning in s.warnings ?? [] { html += "<p class=\"warning\">warning: \(HTML.escape(warning))</p>" }
        html += "<h2>archive</h2><p class=\"muted\">a cell opens its elite</p>"
        html += "<div class=\"scroll\">" + ArchiveMap(archive).svg(island: s.id) { "/islands/\(s.id)/candidates/\($0)" } + "</div>"
        html += "<h2>over time</h2>" + History.charts(history)
        if let audit = s.audit { html += auditSection(audit) }
        return html
    }

    /// The live proxy audit: the rank correlation so far and each audited candidate's stage-2
    /// fitness against its stage-3 fitness.
    static func auditSection(_ audit: AuditStatus) -> String {
        var correlation = audit.rankCorrelation.map { HTML.number($0, digits: 2) } ?? "not yet (3 candidates needed)"
        if let lower = audit.lower, let upper = audit.upper { correlation += " (95% interval \(HTML.number(lower, digits: 2)) to \(HTML.number(upper, digits: 2)))" }
        let chart = LineChart(
            title: "audited candidates", xLabel: "stage-2 fitness (search)", yLabel: "\(audit.task ?? "stage-3") fitness",
            series: [
                .init(
                    name: "candidate", colour: LineChart.palette[0], points: audit.points.map { (x: $0.search, y: $0.confirmed) }, markers: true,
                    labels: audit.points.map { "#\($0.candidate): \(HTML.number($0.search)) / \(HTML.number($0.confirmed))" })
            ])
        return "<h2>proxy audit</h2><p id=\"audit\">\(audit.audited) candidates drawn at random from those reaching stage 2 "
            + "(share \(HTML.number(audit.share, digits: 2))) were trained at \(HTML.escape(audit.stageThree)) too; rank correlation of the two fitnesses: "
            + "\(correlation)</p>" + chart.svg()
    }

    /// Migration: who sends to whom, accepted and rejected.
    static func migrations(_ islands: [(id: Int, answer: [MigrationFlow]?)]) -> String {
        var rows: [[String]] = []
        for (id, flows) in islands {
            guard let flows else { rows.append(["\(id)", "<span class=\"down\">no answer</span>", "", "", "", ""]); continue }
            for flow in flows {
                let outcomes = flow.outcomes.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) \($0.value)" }.joined(separator: ", ")
                rows.append(["\(id)", flow.direction == .sent ? "sent to" : "received from", "\(flow.peer)", "\(flow.messages)", "\(flow.candidates)", outcomes])
            }
        }
        return HTML.table(["island", "", "peer", "messages", "candidates", "outcomes"], rows, id: "migrations")
    }

    /// The proposers: each scheduler's emitters, and the LLM's requests, tokens, cost, budget and failures by reason.
    static func proposers(_ report: ClusterReport) -> String {
        emitters(report) + llms(report)
    }

    /// One row per emitter of each island's scheduler: its share, its children's fate, its successes.
    static func emitters(_ report: ClusterReport) -> String {
        let rows = report.islands.compactMap(\.status).flatMap { s -> [[String]] in
            guard case let .scheduler(emitters) = s.proposer else { return [] }
            return emitters.map { e in
                let t = e.tally
                return [
                    "\(s.id)", HTML.escape(e.name), HTML.number(e.cost), String(format: "%.0f%%", 100 * e.share), String(format: "%.0f%%", 100 * e.weight),
                    "\(t.proposed)", "\(t.new)", "\(t.duplicates)", "\(t.nearDuplicates)", "\(t.invalid)", "\(t.added)", "\(t.raisedBest)",
                ]
            }
        }
        guard !rows.isEmpty else { return "" }
        return "<h2>emitters</h2>"
            + HTML.table(
                ["island", "emitter", "cost", "share so far", "next draws", "proposed", "new", "repeats", "near-repeats", "invalid", "added", "raised best"], rows,
                id: "emitters")
    }

    /// The LLMs' requests, tokens, cost, budget and failures by reason.
    static func llms(_ report: ClusterReport) -> String {
        let rows = report.islands.compactMap(\.status).map { s -> [String] in
            guard let u = s.proposer.llmUsages.first else {
                return ["\(s.id)", s.proposer == .mutation ? "mutation" : "scheduler (no LLM)", "", "", "", "", "", ""]
            }
            let failures = u.failures.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) \($0.value)" }.joined(separator: ", ")
            let proposals = u.proposals.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) \($0.value)" }.joined(separator: ", ")
            let budget = u.budget.tokens > 0 ? "\(u.budget.tokens) tokens" : u.budget.cost > 0 ? HTML.number(u.budget.cost) : "none"
            return [
                "\(s.id)", "llm: \(HTML.escape(u.model))", HTML.escape(u.state.rawValue), "\(u.requests)", "\(u.tokens.prompt) + \(u.tokens.completion)",
                "\(HTML.number(u.cost)) (budget \(budget))", proposals, failures.isEmpty ? "-" : failures,
            ]
        }
        return HTML.table(["island", "proposer", "state", "requests", "tokens (prompt + completion)", "cost", "proposals", "failures"], rows, id: "proposers")
    }
}
