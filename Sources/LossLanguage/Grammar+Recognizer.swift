extension Grammar {
    /// Whether the whole of `text` is a sentence of the grammar (from its root rule).
    public func matches(_ text: String) -> Bool {
        var recognizer = Recognizer(grammar: self, text: Array(text))
        return recognizer.ends(of: .rule(root), from: 0).contains(recognizer.text.count)
    }
}

/// Every end position a node can reach from a start position (the grammar is ambiguous, as GBNF
/// allows), memoised per rule and position; no rule of ours is left-recursive.
private struct Recognizer {
    let grammar: Grammar
    let text: [Character]
    var memo: [String: [Int: Set<Int>]] = [:]

    init(grammar: Grammar, text: [Character]) { (self.grammar, self.text) = (grammar, text) }

    mutating func ends(of node: Grammar.Node, from start: Int) -> Set<Int> {
        switch node {
        case let .text(literal):
            let characters = Array(literal)
            guard start + characters.count <= text.count, Array(text[start..<start + characters.count]) == characters else { return [] }
            return [start + characters.count]
        case let .characters(ranges, negated):
            guard start < text.count else { return [] }
            let inside = ranges.contains { $0.contains(text[start]) }
            return inside != negated ? [start + 1] : []
        case let .rule(name):
            if let known = memo[name]?[start] { return known }
            memo[name, default: [:]][start] = []
            guard let body = grammar.node(named: name) else { return [] }
            let result = ends(of: body, from: start)
            memo[name, default: [:]][start] = result
            return result
        case let .sequence(items):
            var positions: Set<Int> = [start]
            for item in items {
                var next: Set<Int> = []
                for position in positions { next.formUnion(ends(of: item, from: position)) }
                positions = next
                if positions.isEmpty { break }
            }
            return positions
        case let .choice(items):
            var result: Set<Int> = []
            for item in items { result.formUnion(ends(of: item, from: start)) }
            return result
        case let .repeated(item, min, max):
            var result: Set<Int> = min == 0 ? [start] : []
            var frontier: Set<Int> = [start]
            var count = 0
            while count < max, !frontier.isEmpty {
                var next: Set<Int> = []
                for position in frontier { next.formUnion(ends(of: item, from: position)) }
                count += 1
                if count >= min { result.formUnion(next) }
                frontier = next
            }
            return result
        }
    }
}
