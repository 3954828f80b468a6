/// A precedence-climbing parser for the expressions of both forms (Python's precedence).
struct ExpressionParser {
    /// Deepest nesting of brackets and operators accepted; deeper input is an error, not a crash.
    static let maximumDepth = 64

    private let tokens: [Token]
    private(set) var position: Int
    private let caretIsPower: Bool
    private var depth = 0
    private let line: Int

    /// - Parameter caretIsPower: `^` means power (compact form) rather than Python's xor.
    init(_ tokens: [Token], from position: Int = 0, line: Int, caretIsPower: Bool) {
        self.tokens = tokens
        self.position = position
        self.line = line
        self.caretIsPower = caretIsPower
    }

    var atEnd: Bool { position >= tokens.count }
    var peek: Token? { atEnd ? nil : tokens[position] }

    mutating func expect(_ symbol: String) throws(LossError) {
        guard let token = peek, token.symbol == symbol else {
            throw .syntax(
                "expected '\(symbol)'" + (peek.map { ", found \($0.quoted)" } ?? " at the end of the line"),
                line: peek?.line ?? line)
        }
        position += 1
    }

    mutating func accept(_ symbol: String) -> Bool {
        if peek?.symbol == symbol { position += 1; return true }
        return false
    }

    /// An expression, or a tuple of them when commas separate several (`a, b`).
    mutating func parseExpressionList() throws(LossError) -> Expr {
        let first = try parseExpression()
        guard peek?.symbol == "," else { return first }
        var items = [first]
        while accept(",") {
            if atEnd || [")", "]", "}", "="].contains(peek?.symbol ?? "") { break }
            items.append(try parseExpression())
        }
        return Expr(kind: .tuple(items), line: first.line)
    }

    mutating func parseExpression() throws(LossError) -> Expr {
        let expr = try parseBinary(minimumPrecedence: 0)
        if let word = peek?.name {
            switch word {
            case "if": throw .unsupported("conditional expressions (x if c else y) are not supported; use torch.where", line: peek!.line)
            case "for": throw .unsupported("comprehensions are not supported", line: peek!.line)
            default: break
            }
        }
        return expr
    }

    private static let comparisons: [String: Comparison] = ["<": .lt, "<=": .le, ">": .gt, ">=": .ge, "==": .eq, "!=": .ne]

    private func precedence(of token: Token) -> Int? {
        if let word = token.name, ["and", "or", "in", "is", "not"].contains(word) { return 1 }
        guard let s = token.symbol else { return nil }
        if Self.comparisons[s] != nil { return 2 }
        switch s {
        case "|": return 3
        case "^": return caretIsPower ? 8 : 4
        case "&": return 5
        case "+", "-": return 6
        case "*", "/", "//", "%", "@": return 7
        case "**": return 8
        default: return nil
        }
    }

    private mutating func parseBinary(minimumPrecedence: Int) throws(LossError) -> Expr {
        try enter()
        defer { depth -= 1 }
        var left = try parseUnary()
        while let token = peek, let p = precedence(of: token), p >= minimumPrecedence {
            if let word = token.name {
                throw .unsupported("the operator '\(word)' is not supported; combine masks with & or | or by multiplying", line: token.line)
            }
            let s = token.symbol!
            if s == "**" || (s == "^" && caretIsPower) { break }  // handled in parsePower
            position += 1
            if let comparison = Self.comparisons[s] {
                let right = try parseBinary(minimumPrecedence: p + 1)
                if let next = peek, Self.comparisons[next.symbol ?? ""] != nil {
                    throw .unsupported("chained comparisons are not supported; write (a < b) & (b < c)", line: next.line)
                }
                left = Expr(kind: .compare(comparison, left, right), line: token.line)
            } else {
                if s == "^" { throw .unsupported("'^' is xor in Python; write ** for a power", line: token.line) }
                let right = try parseBinary(minimumPrecedence: p + 1)
                left = Expr(kind: .binary(s, left, right), line: token.line)
            }
        }
        return left
    }

    private mutating func parseUnary() throws(LossError) -> Expr {
        try enter()
        defer { depth -= 1 }
        if let token = peek, let s = token.symbol, s == "-" || s == "+" || s == "~" {
            position += 1
            return Expr(kind: .unary(s, try parseUnary()), line: token.line)
        }
        if let token = peek, token.name == "not" {
            throw .unsupported("'not' is not supported; use 1 - mask or ~mask", line: token.line)
        }
        return try parsePower()
    }

    private mutating func parsePower() throws(LossError) -> Expr {
        let base = try parsePostfix()
        if let token = peek, token.symbol == "**" || (token.symbol == "^" && caretIsPower) {
            position += 1
            return Expr(kind: .binary("**", base, try parseUnary()), line: token.line)
        }
        return base
    }

    private mutating func parsePostfix() throws(LossError) -> Expr {
        var expr = try parseAtom()
        while let token = peek, let s = token.symbol {
            switch s {
            case ".":
                position += 1
                guard let name = peek?.name else { throw .syntax("expected a name after '.'", line: token.line) }
                position += 1
                expr = Expr(kind: .attribute(expr, name), line: token.line)
            case "(":
                position += 1
                expr = try parseCall(expr, line: token.line)
            case "[":
                position += 1
                let index = try parseExpressionList()
                try expect("]")
                expr = Expr(kind: .subscripted(expr, index), line: token.line)
            default:
                return expr
            }
        }
        return expr
    }

    private mutating func parseCall(_ callee: Expr, line: Int) throws(LossError) -> Expr {
        try enter()
        defer { depth -= 1 }
        var arguments: [Expr] = [], keywords: [(String, Expr)] = []
        while !accept(")") {
            if let name = peek?.name, position + 1 < tokens.count, tokens[position + 1].symbol == "=" {
                position += 2
                keywords.append((name, try parseExpression()))
            } else {
                if peek?.symbol == "*" || peek?.symbol == "**" {
                    throw .unsupported("argument unpacking (*args) is not supported", line: peek!.line)
                }
                guard keywords.isEmpty else { throw .syntax("a positional argument follows a keyword argument", line: peek?.line ?? line) }
                arguments.append(try parseExpression())
            }
            if !accept(",") { try expect(")"); break }
        }
        return Expr(kind: .call(callee, arguments: arguments, keywords: keywords), line: line)
    }

    private mutating func parseAtom() throws(LossError) -> Expr {
        guard let token = peek else { throw .syntax("an expression is missing at the end of the line", line: line) }
        position += 1
        switch token.kind {
        case let .number(v): return Expr(kind: .number(v), line: token.line)
        case let .string(s): return Expr(kind: .string(s), line: token.line)
        case let .name(n):
            if n == "lambda" { throw .unsupported("lambda is not supported", line: token.line) }
            return Expr(kind: .name(n), line: token.line)
        case let .symbol(s):
            switch s {
            case "(":
                try enter()
                defer { depth -= 1 }
                if accept(")") { return Expr(kind: .tuple([]), line: token.line) }
                let inner = try parseExpressionList()
                try expect(")")
                return inner
            case "[":
                try enter()
                defer { depth -= 1 }
                var items: [Expr] = []
                while !accept("]") {
                    items.append(try parseExpression())
                    if !accept(",") { try expect("]"); break }
                }
                return Expr(kind: .tuple(items), line: token.line)
            default:
                throw .syntax("unexpected \(token.quoted)", line: token.line)
            }
        }
    }

    private mutating func enter() throws(LossError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw .tooLarge("line \(peek?.line ?? line): the expression is nested too deeply (more than \(Self.maximumDepth) levels)")
        }
    }
}
