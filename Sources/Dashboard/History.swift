import Control

/// Fitness over time for one island: best (search and confirmed), QD-score and coverage by generation.
enum History {
    static func charts(_ points: [HistoryPoint]) -> String {
        func series(_ name: String, _ colour: String, _ value: (HistoryPoint) -> Double?) -> LineChart.Series {
            LineChart.Series(name: name, colour: colour, points: points.compactMap { p in value(p).map { (Double(p.generation), $0) } })
        }
        let fitness = LineChart(
            title: "best fitness", xLabel: "generation", yLabel: "fitness",
            series: [series("search (archive)", LineChart.palette[0], \.bestSearch), series("confirmed", LineChart.palette[1], \.bestConfirmed)])
        let qd = LineChart(title: "QD-score", xLabel: "generation", yLabel: "QD-score", series: [series("QD-score", LineChart.palette[2], \.qdScore)])
        let coverage = LineChart(
            title: "coverage", xLabel: "generation", yLabel: "share of cells filled", series: [series("coverage", LineChart.palette[3], \.coverage)])
        return [fitness, qd, coverage].map { $0.svg() }.joined(separator: "\n")
    }
}
