import Control

extension Pages {
    /// A candidate: both source forms, canonical form, lineage tree, the change from its parent,
    /// descriptors, metrics and members, and the loss's shape beside DPO's.
    static func candidate(_ view: CandidateView) -> String {
        let c = view.candidate
        var html = "<p id=\"summary\">\(HTML.escape(c.name)) · \(HTML.escape(c.status.rawValue)) · proposed by \(HTML.escape(c.proposer.rawValue)) in generation \(c.generation)"
        html += " · search fitness \(HTML.number(c.fitness))\(c.stage.map { " (stage \($0.rawValue))" } ?? "")"
        if let confirmed = c.confirmedFitness {
            html += " · confirmed \(HTML.number(confirmed)), \(HTML.number(c.confirmedDifference)) ± \(HTML.number(c.confirmedStandardError)) against the baseline"
        }
        html += "</p>"
        if let error = c.error { html += "<p class=\"fault\">\(HTML.escape(error))</p>" }
        html += "<h2>loss</h2><p>as proposed:</p><pre id=\"source\">\(HTML.escape(c.source))</pre>"
        if let canonical = c.canonical { html += "<p>canonical form:</p><pre id=\"canonical\">\(HTML.escape(canonical))</pre>" }
        if let parent = view.parentCanonical, let canonical = c.canonical {
            html += "<p>change from its first parent:</p><pre id=\"change\">\(TokenDiff.html(from: parent, to: canonical))</pre>"
        }
        html += "<h2>shape</h2>" + shapeCharts(view)
        if let d = c.descriptors {
            html +=
                "<p id=\"descriptors\">descriptors: convexity \(HTML.number(d.convexity)), gradient at 0 \(HTML.number(d.grad0)), beta sensitivity \(HTML.number(d.betaSensitivity))</p>"
        }
        html +=
            "<h2>lineage</h2>" + (view.lineage.isEmpty ? "<p class=\"muted\">no parents (a seed, a migrant or an LLM proposal)</p>" : lineage(view.lineage, island: view.island))
        if let metrics = c.metrics, !metrics.isEmpty {
            html += "<h2>metrics</h2>" + HTML.table(["metric", "mean"], metrics.sorted { $0.key < $1.key }.map { [HTML.escape($0.key), HTML.number($0.value)] }, id: "metrics")
        }
        for (title, members) in [("suite members (search)", c.members), ("suite members (confirmation)", c.confirmedMembers)] {
            guard let members, !members.isEmpty else { continue }
            html +=
                "<h2>\(title)</h2>"
                + HTML.table(["member", "weight", "fitness"], members.map { [HTML.escape($0.name), HTML.number($0.weight, digits: 2), HTML.number($0.fitness)] })
        }
        return html
    }

    static func lineage(_ ancestors: [CandidateView.Ancestor], island: Int) -> String {
        "<ul class=\"lineage\">"
            + ancestors.map { a in
                "<li>\(candidateLink(island: island, id: a.id, text: a.name)) <span class=\"muted\">\(HTML.escape(a.proposer.rawValue))</span> \(HTML.number(a.confirmedFitness ?? a.fitness))"
                    + (a.parents.isEmpty ? "" : lineage(a.parents, island: island)) + "</li>"
            }.joined() + "</ul>"
    }

    /// l_beta(x) and l'_beta(x) over x = beta * rho, one row of two panels per beta (each scaled to
    /// its own curves: a loss that depends on beta, like IPO, changes scale from row to row), DPO dashed
    /// beside (the same at every beta).
    static func shapeCharts(_ view: CandidateView) -> String {
        guard let shape = view.shape, shape.error == nil else {
            return "<p class=\"muted\">no shape: \(HTML.escape(view.shape?.error ?? "the loss does not parse"))</p>"
        }
        let dpo = view.dpoShape.curves.first
        var rows: [String] = []
        for curve in shape.curves {
            func chart(_ title: String, _ label: String, _ pick: (CandidateView.Shape.Curve) -> [Double]) -> String {
                var series = [LineChart.Series(name: view.candidate.name, colour: LineChart.palette[0], points: zip(shape.xs, pick(curve)).map { ($0, $1) })]
                if let dpo { series.append(LineChart.Series(name: "DPO", colour: "#555", points: zip(view.dpoShape.xs, pick(dpo)).map { ($0, $1) }, dashed: true)) }
                return LineChart(title: "\(title), beta \(curve.beta)", xLabel: "x = beta * rho", yLabel: label, series: series, width: 380, height: 220).svg()
            }
            rows.append("<div>" + chart("loss l(x)", "l(x)", \.values) + chart("slope l'(x)", "l'(x)", \.slopes) + "</div>")
        }
        return "<div id=\"shape\">" + rows.joined(separator: "\n") + "</div>"
    }
}
