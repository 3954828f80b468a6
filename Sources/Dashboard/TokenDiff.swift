/// The change from a parent's loss to its child's, token by token (longest common subsequence):
/// removed tokens in `<del>`, added ones in `<ins>`, as HTML.
enum TokenDiff {
    /// Identifiers and numbers whole, `**` whole; every other character but spaces on its own.
    static func tokens(_ source: String) -> [String] {
        var tokens: [String] = [], current = ""
        func flush() { if !current.isEmpty { tokens.append(current); current = "" } }
        for character in source {
            if character.isLetter || character.isNumber || character == "_" || character == "." {
                current.append(character)
            } else {
                flush()
                if character == "*", tokens.last == "*" {
                    tokens[tokens.count - 1] = "**"
                } else if !character.isWhitespace {
                    tokens.append(String(character))
                }
            }
        }
        flush()
        return tokens
    }

    static func html(from old: String, to new: String) -> String {
        let (a, b) = (tokens(old), tokens(new))
        guard a.count * b.count <= 250_000 else { return "<del>\(HTML.escape(old))</del> <ins>\(HTML.escape(new))</ins>" }
        // lengths[i][j]: the longest common subsequence of a[i...] and b[j...].
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var (i, j, out) = (0, 0, [String]())
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                out.append(HTML.escape(a[i])); (i, j) = (i + 1, j + 1)
            } else if j < b.count, i == a.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                out.append("<ins>\(HTML.escape(b[j]))</ins>"); j += 1
            } else {
                out.append("<del>\(HTML.escape(a[i]))</del>"); i += 1
            }
        }
        return out.joined(separator: " ")
    }
}
