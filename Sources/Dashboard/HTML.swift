/// HTML text made safe: everything shown comes from LLMs and peers (names, sources, errors).
public enum HTML {
    /// `s` with `&`, `<`, `>`, `"` and `'` escaped, for text and attribute values alike.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for character in s {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A number for a table: fixed with 4 decimals, `-` when absent, the word when not finite.
    public static func number(_ value: Double?, digits: Int = 4) -> String {
        guard let value else { return "-" }
        guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "inf" : "-inf" }
        return String(format: "%.\(digits)f", value)
    }

    /// A table from a header and rows of cells that are HTML already.
    static func table(_ header: [String], _ rows: [[String]], id: String? = nil) -> String {
        let head = header.map { "<th>\(escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table\(id.map { " id=\"\(escape($0))\"" } ?? "")><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    /// A link with escaped text and target.
    static func link(_ href: String, _ text: String) -> String { "<a href=\"\(escape(href))\">\(escape(text))</a>" }
}
