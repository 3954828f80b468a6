import Foundation

/// Printed text with the precedence of its outermost operator, for minimal parentheses.
struct Printed {
    var text: String
    var precedence: Int
    /// Whether the node is a constant (some dialects must wrap constants passed to functions).
    var isConstant = false
    /// For comparisons: the text as a boolean mask (PyTorch's `a < b` before `.to(dtype)`).
    var mask: String?

    /// The text, in parentheses when its precedence is below `minimum`.
    func wrapped(atLeast minimum: Int, open: String = "(", close: String = ")") -> String {
        precedence < minimum ? open + text + close : text
    }
}

/// Operator precedences shared by the dialects (Python's order).
enum Precedence {
    static let comparison = 2, additive = 6, multiplicative = 7, unary = 8, power = 9, atom = 10
}

/// How one output language spells each operation.
protocol PrintDialect {
    func leaf(_ op: Op) -> Printed
    func unary(_ f: UnaryFunction, _ x: Printed) -> Printed
    func binary(_ f: BinaryFunction, _ a: Printed, _ b: Printed) -> Printed
    func compare(_ c: Comparison, _ a: Printed, _ b: Printed) -> Printed
    func select(_ c: Printed, _ a: Printed, _ b: Printed) -> Printed
    func reduce(_ r: Reduction, _ x: Printed) -> Printed
    func concat(_ a: Printed, _ b: Printed) -> Printed
    func detach(_ x: Printed) -> Printed
    func fill(_ k: Int, _ v: Printed) -> Printed
    func bindingName(_ index: Int) -> String
}

extension PrintDialect {
    /// `a op b` with the parentheses the tree needs (left-associative; `**` right-associative).
    func infix(_ a: Printed, _ op: String, _ b: Printed, _ precedence: Int) -> Printed {
        let rightAssociative = precedence == Precedence.power
        let left = a.wrapped(atLeast: rightAssociative ? precedence + 1 : precedence)
        let right = b.wrapped(atLeast: rightAssociative ? Precedence.unary : precedence + 1)
        return Printed(text: "\(left) \(op) \(right)", precedence: precedence)
    }

    func call(_ name: String, _ args: Printed...) -> Printed {
        Printed(text: "\(name)(\(args.map(\.text).joined(separator: ", ")))", precedence: Precedence.atom)
    }
}

/// Prints a graph in a dialect: a list of bindings for shared or deep subexpressions, then the result.
enum ExpressionPrinter {
    /// Inline expressions deeper than this are split into bindings (bounds recursion and line length).
    static let maximumInlineHeight = 12

    static func render(_ graph: LossGraph, _ dialect: some PrintDialect) -> (bindings: [(String, String)], result: String) {
        let uses = graph.useCounts
        var printed: [Printed] = []
        var height: [Int] = []
        var bindings: [(String, String)] = []
        printed.reserveCapacity(graph.nodes.count)
        for (id, node) in graph.nodes.enumerated() {
            let args = node.args.map { printed[$0] }
            var p: Printed
            switch node.op {
            case .input, .beta, .batchSize, .index, .constant: p = dialect.leaf(node.op)
            case let .unary(f): p = dialect.unary(f, args[0])
            case let .binary(f): p = dialect.binary(f, args[0], args[1])
            case let .compare(c): p = dialect.compare(c, args[0], args[1])
            case .select: p = dialect.select(args[0], args[1], args[2])
            case let .reduce(r): p = dialect.reduce(r, args[0])
            case .concat: p = dialect.concat(args[0], args[1])
            case .detach: p = dialect.detach(args[0])
            case let .fill(k): p = dialect.fill(k, args[0])
            }
            var h = node.op.isLeaf ? 0 : 1 + (node.args.map { height[$0] }.max() ?? 0)
            if id != graph.root, !node.op.isLeaf, uses[id] >= 2 || h > maximumInlineHeight {
                let name = dialect.bindingName(bindings.count + 1)
                bindings.append((name, p.text))
                p = Printed(text: name, precedence: Precedence.atom, mask: p.mask.map { _ in "\(name) != 0" })
                h = 0
            }
            printed.append(p)
            height.append(h)
        }
        return (bindings, printed[graph.root].text)
    }

    /// A number as the shortest text that reads back to the same Double (`2`, `0.5`, `1e-05`).
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// A number to about `significantDigits` significant digits, short enough for the reply
    /// grammar (``LossGrammar/Limits``: 3 integer and 4 fraction digits, negative exponents): an
    /// integer below 1000 as it is, 0.01 to 1000 in fixed notation with at most 4 decimals (`0.533`,
    /// `-6.908`, `0.0123`), smaller ones in exponent notation (`1.001e-03`), and 1000 or more as a
    /// rounded integer (`12346`), which the grammar does not let a model write back.
    static func number(_ value: Double, significantDigits: Int) -> String {
        let magnitude = abs(value)
        if value == value.rounded(), magnitude < 1000 { return String(Int64(value)) }
        if magnitude >= 1000 { return String(format: "%.0f", value) }
        if magnitude >= 0.01 {
            let decimals = min(4, max(0, significantDigits - 1 - Int(log10(magnitude).rounded(.down))))
            return withoutTrailingZeros(String(format: "%.\(decimals)f", value))
        }
        let text = String(format: "%.\(significantDigits - 1)e", value)  // 1.500e-04
        guard let e = text.firstIndex(of: "e") else { return text }
        return withoutTrailingZeros(String(text[..<e])) + text[e...]
    }

    /// `0.5300` as `0.53`, `2.000` as `2`; text without a decimal point as it is.
    private static func withoutTrailingZeros(_ text: String) -> String {
        var text = text
        while text.contains("."), text.hasSuffix("0") || text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
