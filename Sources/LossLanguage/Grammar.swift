/// A context-free grammar as data: printed as GBNF for llama.cpp's constrained decoding, and
/// recognised here, so that tests check the very rules a server is sent.
public struct Grammar: Sendable {
    /// One grammar expression.
    public indirect enum Node: Sendable, Hashable {
        /// A literal string.
        case text(String)
        /// One character from a set of ranges (`negated`: any character outside them).
        case characters([ClosedRange<Character>], negated: Bool = false)
        /// A reference to a rule.
        case rule(String)
        case sequence([Node])
        case choice([Node])
        /// `node{min,max}`.
        case repeated(Node, min: Int, max: Int)

        /// `node?`.
        public static func optional(_ node: Node) -> Node { .repeated(node, min: 0, max: 1) }
    }

    public private(set) var rules: [(name: String, node: Node)] = []
    public let root: String

    public init(root: String) { self.root = root }

    public mutating func define(_ name: String, _ node: Node) { rules.append((name, node)) }

    func node(named name: String) -> Node? { rules.first { $0.name == name }?.node }
}

extension Grammar {
    /// The grammar in llama.cpp's GBNF; its root rule is named `root`.
    public var gbnf: String {
        rules.map { rule in "\(rule.name == root ? "root" : rule.name) ::= \(Self.gbnf(rule.node, root: root, top: true))" }
            .joined(separator: "\n") + "\n"
    }

    private static func gbnf(_ node: Node, root: String, top: Bool = false) -> String {
        switch node {
        case let .text(s):
            return "\"" + s.map { escape($0, inClass: false) }.joined() + "\""
        case let .characters(ranges, negated):
            // A literal '-' goes last, where it cannot read as a range.
            let ordered = ranges.filter { $0 != "-"..."-" } + ranges.filter { $0 == "-"..."-" }
            let body = ordered.map { range in
                range.lowerBound == range.upperBound
                    ? escape(range.lowerBound, inClass: true)
                    : "\(escape(range.lowerBound, inClass: true))-\(escape(range.upperBound, inClass: true))"
            }
            return "[" + (negated ? "^" : "") + body.joined() + "]"
        case let .rule(name):
            return name == root ? "root" : name
        case let .sequence(items):
            let text = items.map { gbnf($0, root: root) }.joined(separator: " ")
            return top ? text : "(" + text + ")"
        case let .choice(items):
            let text = items.map { gbnf($0, root: root) }.joined(separator: " | ")
            return top ? text : "(" + text + ")"
        case let .repeated(item, min, max):
            let inner = gbnf(item, root: root)
            if min == 0, max == 1 { return inner + "?" }
            return inner + (min == max ? "{\(min)}" : "{\(min),\(max)}")
        }
    }

    /// GBNF's escapes: quotes and backslashes in literals, brackets in classes, control characters as \xNN.
    private static func escape(_ c: Character, inClass: Bool) -> String {
        if let ascii = c.asciiValue, ascii < 0x20 {
            let hex = String(ascii, radix: 16)
            return "\\x" + (hex.count < 2 ? "0" + hex : hex)
        }
        switch c {
        case "\\": return "\\\\"
        case "\"" where !inClass: return "\\\""
        case "[" where inClass, "]" where inClass: return "\\" + String(c)
        default: return String(c)
        }
    }
}
