import Control
import Foundation
import Model

/// An archive reply laid out for display.
public struct ArchiveMap: Sendable {
    public let counts: (c: Int, g: Int, s: Int)
    let ranges: (c: [Double], g: [Double], s: [Double])
    /// (C bin, g0 bin, S bin) -> (fitness, candidate).
    public let cells: [[Int]: (fitness: Double, candidate: Int64)]

    public init(_ archive: ArchiveSnapshot) {
        func range(_ bins: BinAxis) -> [Double] { [bins.lower, bins.upper, Double(bins.count)] }
        let bins = archive.bins
        counts = (bins.convexity.count, bins.grad0.count, bins.betaSensitivity.count)
        ranges = (range(bins.convexity), range(bins.grad0), range(bins.betaSensitivity))
        var cells: [[Int]: (Double, Int64)] = [:]
        for cell in archive.cells { cells[[cell.convexityBin, cell.grad0Bin, cell.betaSensitivityBin]] = (cell.fitness, cell.candidate) }
        self.cells = cells
    }

    /// The archive as text: one grid per beta-sensitivity bin.
    public func text() -> String {
        var lines: [String] = []
        for s in 0..<counts.s {
            lines.append("beta sensitivity bin \(s) (rows: gradient at 0, high to low; columns: convexity, low to high)")
            for g in (0..<counts.g).reversed() {
                lines.append((0..<counts.c).map { c in cells[[c, g, s]].map { String(format: "%7.3f", $0.fitness) } ?? "      ." }.joined())
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Viridis-like colour for t in [0, 1].
    static func colour(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        return String(format: "rgb(%d,%d,%d)", Int(a.0 + (b.0 - a.0) * f), Int(a.1 + (b.1 - a.1) * f), Int(a.2 + (b.2 - a.2) * f))
    }

    /// The heatmap, one panel per beta-sensitivity bin; with `link`, each filled cell links to the
    /// page that `link` makes of its candidate (the dashboard's).
    public func svg(island: Int, link: ((Int64) -> String)? = nil) -> String {
        let cell = 28.0, gap = 60.0, left = 70.0, top = 60.0
        let panel = (w: Double(counts.c) * cell, h: Double(counts.g) * cell)
        let width = left + Double(counts.s) * (panel.w + gap) + 60, height = top + panel.h + 110
        let values = cells.values.map(\.fitness).filter(\.isFinite)
        let (low, high) = (values.min() ?? 0, values.max() ?? 1)
        func label(_ range: [Double], _ i: Int) -> String {
            let step = (range[1] - range[0]) / range[2]
            return String(format: "%.2f", range[0] + (Double(i) + 0.5) * step)
        }
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(left)\" y=\"22\" font-size=\"15\">evod island \(island): MAP-Elites archive, fitness (frontier efficiency) per cell</text>",
        ]
        for s in 0..<counts.s {
            let x0 = left + Double(s) * (panel.w + gap)
            let sLow = ranges.s[0] + Double(s) * (ranges.s[1] - ranges.s[0]) / ranges.s[2]
            let sHigh = sLow + (ranges.s[1] - ranges.s[0]) / ranges.s[2]
            out.append(String(format: "<text x=\"%.0f\" y=\"%.0f\">beta sensitivity S in [%.2f, %.2f)</text>", x0, top - 8, sLow, sHigh))
            for c in 0..<counts.c {
                for g in 0..<counts.g {
                    let x = x0 + Double(c) * cell, y = top + Double(counts.g - 1 - g) * cell
                    if let entry = cells[[c, g, s]] {
                        let t = high > low ? (entry.fitness - low) / (high - low) : 1
                        let rect = String(
                            format:
                                "<rect class=\"cell\" data-candidate=\"%lld\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"%@\" stroke=\"white\"><title>C bin %d, g0 bin %d: #%lld, fitness %.4f</title></rect>",
                            entry.candidate, x, y, cell, cell, Self.colour(t), c, g, entry.candidate, entry.fitness)
                        out.append(link.map { "<a href=\"\(HTML.escape($0(entry.candidate)))\">\(rect)</a>" } ?? rect)
                    } else {
                        out.append(String(format: "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#eeeeee\" stroke=\"white\"/>", x, y, cell, cell))
                    }
                }
            }
            for c in stride(from: 0, to: counts.c, by: 2) {
                out.append(String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%@</text>", x0 + (Double(c) + 0.5) * cell, top + panel.h + 14, label(ranges.c, c)))
            }
            out.append(String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">convexity C</text>", x0 + panel.w / 2, top + panel.h + 32))
            for g in stride(from: 0, to: counts.g, by: 2) {
                out.append(
                    String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%@</text>", x0 - 4, top + Double(counts.g - 1 - g) * cell + cell / 2 + 4, label(ranges.g, g)))
            }
        }
        out.append(String(format: "<text transform=\"translate(18,%.0f) rotate(-90)\" text-anchor=\"middle\">gradient at 0, g0</text>", top + panel.h / 2))
        let barY = top + panel.h + 52
        for i in 0..<100 {
            out.append(String(format: "<rect x=\"%.1f\" y=\"%.0f\" width=\"2.1\" height=\"12\" fill=\"%@\"/>", left + Double(i) * 2, barY, Self.colour(Double(i) / 99)))
        }
        out.append(
            String(
                format: "<text x=\"%.0f\" y=\"%.0f\">%.3f</text><text x=\"%.0f\" y=\"%.0f\">%.3f</text><text x=\"%.0f\" y=\"%.0f\">fitness (grey: empty cell)</text>",
                left, barY + 26, low, left + 180, barY + 26, high, left + 215, barY + 10))
        out.append("</svg>")
        return out.joined(separator: "\n")
    }
}
