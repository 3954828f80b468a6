import Foundation

/// A line chart as SVG, made in Swift like the archive heatmap: a few series over one x axis, with
/// axes, ticks and a legend. Non-finite points are left out. A series of markers is a scatter plot.
struct LineChart {
    struct Series {
        var name: String
        var colour: String
        var points: [(x: Double, y: Double)]
        var dashed = false
        /// Circles at the points instead of a line through them, each with its label as a tooltip.
        var markers = false
        var labels: [String] = []
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var width = 460.0, height = 260.0

    func svg() -> String {
        let (left, right, top, bottom) = (58.0, 16.0, 28.0, 42.0)
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(left)\" y=\"16\" font-size=\"13\">\(HTML.escape(title))</text>",
        ]
        guard let xMin = points.map(\.x).min(), let xMax = points.map(\.x).max(), let yLow = points.map(\.y).min(), let yHigh = points.map(\.y).max()
        else {
            out.append("<text x=\"\(left)\" y=\"\(height / 2)\" fill=\"#777\">no data yet</text></svg>")
            return out.joined(separator: "\n")
        }
        let pad = max((yHigh - yLow) * 0.05, 1e-9)
        let (yMin, yMax) = (yLow - pad, yHigh + pad)
        let integral = points.allSatisfy { $0.x == $0.x.rounded() }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (xMax > xMin ? (x - xMin) / (xMax - xMin) : 0.5) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }
        out.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#ccc\"/>", left, top, plotWidth, plotHeight))
        for i in 0...4 {
            let y = yMin + (yMax - yMin) * Double(i) / 4, x = xMin + (xMax - xMin) * Double(i) / 4
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%@</text>", left - 4, py(y) + 4, Self.tick(y)))
            out.append(
                String(
                    format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", px(x), top + plotHeight + 14,
                    integral ? String(Int(x.rounded())) : Self.tick(x)))
        }
        if yMin < 0, yMax > 0 {
            out.append(String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, left + plotWidth, py(0), py(0)))
        }
        let clip = "clip-" + String(title.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
        out.append(String(format: "<clipPath id=\"%@\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>", clip, left, top, plotWidth, plotHeight))
        for (index, line) in series.enumerated() {
            if line.markers {
                for (i, point) in line.points.enumerated() where point.x.isFinite && point.y.isFinite {
                    let label = i < line.labels.count ? "<title>\(HTML.escape(line.labels[i]))</title>" : ""
                    out.append(
                        String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\" fill-opacity=\"0.7\">", px(point.x), py(point.y), line.colour)
                            + label + "</circle>")
                }
            }
            let path = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { String(format: "%.1f,%.1f", px($0.x), py($0.y)) }
            if !path.isEmpty, !line.markers {
                out.append(
                    "<polyline clip-path=\"url(#\(clip))\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5,3\"" : "") points=\"\(path.joined(separator: " "))\"/>"
                )
            }
            let legendY = top + 12 + Double(index) * 13
            out.append(
                String(
                    format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\"%@/><text x=\"%.1f\" y=\"%.1f\">%@</text>",
                    left + 8, left + 26, legendY - 4, legendY - 4, line.colour, line.dashed ? " stroke-dasharray=\"5,3\"" : "", left + 30, legendY,
                    HTML.escape(line.name)))
        }
        out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%@</text>", left + plotWidth / 2, height - 8, HTML.escape(xLabel)))
        out.append(String(format: "<text transform=\"translate(12,%.1f) rotate(-90)\" text-anchor=\"middle\">%@</text>", top + plotHeight / 2, HTML.escape(yLabel)))
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    static func tick(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude != 0, magnitude < 1e-3 || magnitude >= 1e5 { return String(format: "%.1e", value) }
        return String(format: magnitude >= 100 ? "%.0f" : magnitude >= 1 ? "%.2f" : "%.3f", value)
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
}
