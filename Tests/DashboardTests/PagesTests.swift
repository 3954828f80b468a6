import Control
import ControlPlane
import Foundation
import Model
import Testing

@testable import Dashboard

/// The pages from typed replies: everything from outside escaped; the plots and the diff.
struct PagesTests {
    static let attack = "<script>alert(1)</script>"

    static func status(id: Int, best: String) -> IslandStatus {
        IslandStatus(
            id: id, state: .running, generation: 3, population: 20, archive: ArchiveSummary(filled: 2, cells: 320, coverage: 0.006, qdScore: 3.1),
            best: BestSummary(id: 7, name: best, fitness: 0.9, searchFitness: 0.91, confirmed: true), evaluations: EvaluationCounts(),
            proposals: ProposalCounts(), migration: MigrationCounts(), proposer: .mutation, evaluator: .local,
            fault: Fault(error: "disk <full>", seconds: 2), uptimeSeconds: 5, droppedMessages: 0, warnings: ["threshold <high>"])
    }

    static func candidate() -> CandidateSummary {
        var c = CandidateSummary(id: 7, name: attack, generation: 2, source: "0.5 * rho <img src=x onerror=alert(2)>", parents: [3], proposer: .llm, status: .evaluated)
        (c.canonical, c.fitness, c.error) = ("-logsigmoid(beta * rho)", 0.9, "</pre><script>alert(3)</script>")
        c.metrics = [attack: 1]
        c.members = [MemberResult(name: attack, weight: 1, fitness: 0.9, metrics: [:])]
        return c
    }

    /// No raw tag from outside survives; every one is there, escaped.
    static func expectEscaped(_ html: String, _ texts: [String]) {
        for text in ["<script>alert", "<img src=x", "</pre><script>"] { #expect(!html.contains(text), "raw \(text) in the page") }
        for text in texts { #expect(html.contains(HTML.escape(text)), "\(text) is not shown") }
    }

    @Test func theClusterPageEscapesNamesLossesAndErrors() {
        let report = ClusterReport(islands: [.up(Self.status(id: 1, best: Self.attack)), .down(id: 2, error: "no answer <b>")], farm: .down(error: "<i>x</i>"))
        let html = Page.render(title: Self.attack, live: Pages.cluster(report, best: [BestRow(island: 1, candidate: Self.candidate())]))
        Self.expectEscaped(html, [Self.attack, "disk <full>", "no answer <b>", "<i>x</i>"])
        #expect(html.contains("<span class=\"warning\"><a href=\"/islands/1\">warning</a></span>"), "the island's warning is flagged")
        #expect(html.contains("<script>\n(function () {"), "the page's own refresh script is there")
    }

    @Test func theClusterPageNamesAQuarantinedWorkerAndWhy() {
        var farm = FarmStatus()
        farm.audit = FarmAuditStatus(
            share: 0.05, confirmations: true, tolerance: 0, unauditedStages: [], audited: 9, disagreements: 1, skipped: 0, unresolved: 0, purged: 4,
            corrections: 3, quarantined: [QuarantinedWorker(name: Self.attack, reason: "its result was <b>0.9</b>", connected: true)])
        let html = Pages.cluster(ClusterReport(islands: [.up(Self.status(id: 1, best: "dpo"))], farm: .up(farm)), best: [])
        Self.expectEscaped(html, [Self.attack, "its result was <b>0.9</b>", "evoctl farm release \(Self.attack)"])
        #expect(html.contains("audits: 9 agreed, 1 disagreements, 4 results purged, 3 corrected"))
    }

    @Test func theCandidatePageEscapesEverySourceAndShowsItsShape() throws {
        let c = Self.candidate()
        var parent = c
        (parent.id, parent.name, parent.parents, parent.canonical) = (3, "<b>parent</b>", [], "-logsigmoid(rho)")
        let view = CandidateView(
            island: 1, candidate: c,
            lineage: [CandidateView.Ancestor(id: 3, name: "<b>parent</b>", proposer: .seed, fitness: 0.8, confirmedFitness: nil, parents: [])],
            parentCanonical: parent.canonical, shape: CandidateView.shape(try StandardLossesFixture.ipo()), dpoShape: CandidateView.shape(try StandardLossesFixture.dpo()))
        let html = Page.render(title: "candidate", live: nil, body: Pages.candidate(view))
        Self.expectEscaped(html, [Self.attack, "0.5 * rho <img src=x onerror=alert(2)>", "</pre><script>alert(3)</script>", "<b>parent</b>"])
        #expect(html.components(separatedBy: "class=\"chart\"").count - 1 == 6, "l and l' at three betas")
        #expect(html.contains("<ins>beta</ins> <ins>*</ins>"), "the change from the parent")
    }

    @Test func theDiffMarksWhatChanged() {
        #expect(
            TokenDiff.html(from: "a * b ** 2", to: "a * c ** 2") == "a * <ins>c</ins> <del>b</del> ** 2"
                || TokenDiff.html(from: "a * b ** 2", to: "a * c ** 2") == "a * <del>b</del> <ins>c</ins> ** 2")
        #expect(TokenDiff.tokens("t1 = x**2 - 0.5") == ["t1", "=", "x", "**", "2", "-", "0.5"])
        #expect(TokenDiff.html(from: "<", to: ">").contains("&lt;") && !TokenDiff.html(from: "<", to: ">").contains("<<"))
    }

    @Test func aChartWithoutDataSaysSoAndNonFinitePointsAreLeftOut() {
        #expect(LineChart(title: "t", xLabel: "x", yLabel: "y", series: []).svg().contains("no data yet"))
        let svg = LineChart(
            title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", colour: "#000", points: [(0, 1), (1, .nan), (2, .infinity), (3, 2)])]
        ).svg()
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        #expect(svg.contains("points=\"") && svg.components(separatedBy: ",").count > 2)
    }

    @Test func theIslandPageShowsItsFaultAndWarningsEscaped() {
        let archive = ArchiveSnapshot(
            island: 1,
            bins: .init(convexity: .init(lower: -1, upper: 1, count: 2), grad0: .init(lower: -1, upper: 1, count: 2), betaSensitivity: .init(lower: 0, upper: 0.25, count: 1)),
            cells: [])
        let html = Pages.island(Self.status(id: 1, best: "dpo"), archive: archive, history: [])
        #expect(html.contains("<p class=\"fault\">disk &lt;full&gt; (2 s)</p>"), "\(html)")
        #expect(html.contains("<p class=\"warning\">warning: threshold &lt;high&gt;</p>"), "\(html)")
    }

    static let audit = AuditStatus(
        task: "trl-tiny", share: 0.1, rankCorrelation: 0.5, lower: -0.2, upper: 0.9, warnBelow: 0.3, minimum: 10,
        points: [
            AuditPoint(candidate: 7, search: 0.61, confirmed: 0.55), AuditPoint(candidate: 9, search: 0.66, confirmed: 0.70),
            AuditPoint(candidate: 12, search: 0.64, confirmed: 0.52),
        ],
        audited: 3)

    @Test func theIslandPageShowsTheAuditAndPlotsItsCandidates() {
        var status = Self.status(id: 1, best: "dpo")
        status.audit = Self.audit
        status.evaluations.audited = 3
        let archive = ArchiveSnapshot(
            island: 1,
            bins: .init(convexity: .init(lower: 0, upper: 1, count: 1), grad0: .init(lower: 0, upper: 1, count: 1), betaSensitivity: .init(lower: 0, upper: 1, count: 1)), cells: []
        )
        let html = Pages.island(status, archive: archive, history: [])
        #expect(html.contains("<h2>proxy audit</h2>") && html.contains("were trained at stage 3 (trl-tiny) too"))
        #expect(html.contains(" confirmed, 3 audited; archive "))
        #expect(html.contains("rank correlation of the two fitnesses: 0.50 (95% interval -0.20 to 0.90)"))
        #expect(html.components(separatedBy: "<circle ").count - 1 == 3, "one marker per audited candidate")
        #expect(html.contains("<title>#9: 0.6600 / 0.7000</title>"))
        #expect(!Pages.island(Self.status(id: 1, best: "dpo"), archive: archive, history: []).contains("proxy audit"))
    }

    @Test func theHeatmapLinksEveryFilledCellToItsCandidate() {
        let archive = ArchiveSnapshot(
            island: 1,
            bins: .init(convexity: .init(lower: -1, upper: 1, count: 8), grad0: .init(lower: -1, upper: 1, count: 8), betaSensitivity: .init(lower: 0, upper: 0.25, count: 5)),
            cells: [
                .init(cell: 1, convexityBin: 1, grad0Bin: 0, betaSensitivityBin: 0, candidate: 11, fitness: 0.5),
                .init(cell: 70, convexityBin: 6, grad0Bin: 0, betaSensitivityBin: 1, candidate: 12, fitness: 0.7),
            ])
        let svg = ArchiveMap(archive).svg(island: 1) { "/islands/1/candidates/\($0)" }
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 2)
        #expect(svg.contains("<a href=\"/islands/1/candidates/11\">") && svg.contains("<a href=\"/islands/1/candidates/12\">"))
    }
}
