import Evaluation
import Foundation

/// `evoctl validate`'s output: a markdown table per task and the verdicts, or JSON with the same rows.
enum ValidationText {
    static func markdown(_ report: ValidationReport) -> String {
        var lines: [String] = []
        var tasks: [String] = []
        for row in report.rows where !tasks.contains(row.task) { tasks.append(row.task) }
        for task in tasks {
            let rows = report.rows.filter { $0.task == task }
            guard let first = rows.first else { continue }
            let title =
                switch first.kind {
                case .suite: "suite: the members' weighted mean on their held-out seeds"
                case .member: "member \(task), held-out seeds"
                case .transfer: "transfer task \(task), held-out seeds"
                case .confirmation: "stage-3 task \(task) (the cascade's confirmation), held-out seeds"
                }
            lines += [
                "", "### \(title)", "",
                "| loss | fitness ± SE | vs dpo | paired SE | z | Holm p | vs \(first.bestStandard) (best standard) | paired SE | z | Holm p |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
            for row in rows.sorted(by: { ($0.fitness?.value ?? -.infinity) > ($1.fitness?.value ?? -.infinity) }) {
                let name = row.standard ? row.loss : "**\(row.loss)**"
                guard let fitness = row.fitness else {
                    lines.append("| \(name) | failed: \(row.failed ?? "") | | | | | | | | |")
                    continue
                }
                func cells(_ estimate: Estimate?, _ p: Double?) -> [String] {
                    guard let estimate, let p else { return ["", "", "", ""] }
                    return [ReportFormat.signed(estimate.value), ReportFormat.fixed(estimate.standardError), ReportFormat.zScore(estimate), pValue(p)]
                }
                let fitnessCell = "\(ReportFormat.fixed(fitness.value)) ± \(ReportFormat.fixed(fitness.standardError))"
                let all = [name, fitnessCell] + cells(row.versusDPO, row.pDPO) + cells(row.versusBestStandard, row.pBestStandard)
                lines.append("| " + all.joined(separator: " | ") + " |")
            }
        }
        for agreement in report.agreements {
            let c = agreement.correlation
            let interval = c.lower.flatMap { l in c.upper.map { String(format: " (95%% interval %+.2f to %+.2f)", l, $0) } } ?? ""
            let rho = c.rho.map { String(format: "%+.2f", $0) } ?? "undefined"
            lines += [
                "", "### the search's fitness against \(agreement.task)", "",
                "Spearman's rank correlation over the \(c.count) losses validated on both: \(rho)\(interval). An island's "
                    + "live audit (`evoctl status`) measures the same on its own candidates.",
            ]
        }
        if !report.verdicts.isEmpty {
            lines += ["", "### verdicts", ""]
            for verdict in report.verdicts {
                lines.append("- \(verdict.loss): " + (verdict.discovered ? "discovered" : "not discovered: " + verdict.reasons.joined(separator: "; ")))
            }
        }
        return lines.dropFirst().joined(separator: "\n")
    }

    static func pValue(_ p: Double) -> String { p < 1e-4 ? String(format: "%.1e", p) : String(format: "%.4f", p) }

    static func json(_ report: ValidationReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "null")
        return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self)
    }
}

/// The forest plot of a validation: per task, the difference to DPO with its 95% interval of each
/// candidate and of the task's three best standard losses (the others would only stretch the axis).
enum ForestPlot {
    static func svg(_ report: ValidationReport) -> String {
        var rows: [ValidationReport.Row] = []
        var seen: [String] = []
        for row in report.rows where !seen.contains(row.task) { seen.append(row.task) }
        for task in seen {
            let ranked = report.rows.filter { $0.task == task && $0.loss != ValidationReport.baseline && $0.versusDPO != nil }
                .sorted { ($0.versusDPO?.value ?? -.infinity) > ($1.versusDPO?.value ?? -.infinity) }
            rows += ranked.filter { !$0.standard } + ranked.filter(\.standard).prefix(3)
        }
        var tasks: [String] = []
        for row in rows where !tasks.contains(row.task) { tasks.append(row.task) }
        let intervals = rows.compactMap { $0.versusDPO?.interval95 }.filter { $0.lowerBound.isFinite && $0.upperBound.isFinite }
        let low = min(intervals.map(\.lowerBound).min() ?? -0.01, -0.001), high = max(intervals.map(\.upperBound).max() ?? 0.01, 0.001)
        let (left, plotWidth, rowHeight) = (260.0, 560.0, 16.0)
        func x(_ value: Double) -> Double { left + (min(max(value, low), high) - low) / (high - low) * plotWidth }
        var y = 40.0
        var body: [String] = []
        for task in tasks {
            body.append("<text x=\"8\" y=\"\(y + 12)\" font-weight=\"bold\">\(escape(task))</text>")
            y += rowHeight + 4
            for row in rows where row.task == task {
                guard let d = row.versusDPO else { continue }
                let interval = d.interval95
                let colour = row.standard ? "#777" : "#c0392b"
                body.append("<text x=\"24\" y=\"\(y + 11)\" fill=\"\(colour)\">\(escape(row.loss))</text>")
                if interval.lowerBound.isFinite && interval.upperBound.isFinite {
                    body.append("<line x1=\"\(x(interval.lowerBound))\" x2=\"\(x(interval.upperBound))\" y1=\"\(y + 7)\" y2=\"\(y + 7)\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
                }
                body.append("<circle cx=\"\(x(d.value))\" cy=\"\(y + 7)\" r=\"3.5\" fill=\"\(colour)\"/>")
                y += rowHeight
            }
            y += 8
        }
        let height = y + 40
        let zero = x(0)
        // Round ticks: the step of 1, 2 or 5 times a power of ten that gives four to ten of them.
        let magnitude = pow(10, floor(log10((high - low) / 4)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { (high - low) / $0 <= 10 } ?? 10 * magnitude
        let ticks = stride(from: (low / step).rounded(.up) * step, through: high, by: step).map { value in
            "<line x1=\"\(x(value))\" x2=\"\(x(value))\" y1=\"\(height - 34)\" y2=\"\(height - 28)\" stroke=\"black\"/>"
                + "<text x=\"\(x(value))\" y=\"\(height - 16)\" text-anchor=\"middle\">\(String(format: "%+g", (value / step).rounded() * step))</text>"
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(left + plotWidth + 40)" height="\(height)" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="8" y="20" font-size="13">Difference to DPO on held-out seeds (95% interval); red: candidates, grey: standard losses</text>
            <line x1="\(zero)" x2="\(zero)" y1="32" y2="\(height - 30)" stroke="black" stroke-dasharray="3,3"/>
            \(body.joined(separator: "\n"))
            \(ticks.joined(separator: "\n"))
            </svg>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
