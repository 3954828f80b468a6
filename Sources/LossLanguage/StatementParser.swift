/// Parses one logical line into a ``Statement`` (assignments, imports, return, bare expressions).
enum StatementParser {
    /// Python keywords that open constructs outside the loss language, with how to say so.
    private static let rejectedKeywords: [String: String] = [
        "if": "if statements are not supported; use torch.where",
        "elif": "if statements are not supported; use torch.where",
        "else": "if statements are not supported; use torch.where",
        "for": "loops are not supported", "while": "loops are not supported",
        "with": "with blocks are not supported", "try": "try blocks are not supported",
        "except": "try blocks are not supported", "finally": "try blocks are not supported",
        "def": "only one function may be defined", "class": "class definitions are not supported",
        "lambda": "lambda is not supported", "assert": "assert is not supported",
        "raise": "raise is not supported", "global": "global is not supported",
        "nonlocal": "nonlocal is not supported", "del": "del is not supported",
        "yield": "yield is not supported", "async": "async code is not supported",
        "await": "async code is not supported",
    ]

    static func parse(_ line: LogicalLine, python: Bool) throws(LossError) -> Statement? {
        let tokens = line.tokens
        if python, let word = tokens.first?.name {
            if let reason = rejectedKeywords[word] { throw .unsupported(reason, line: line.line) }
            switch word {
            case "pass": return nil
            case "import", "from": return try parseImport(line)
            case "return":
                var parser = ExpressionParser(tokens, from: 1, line: line.line, caretIsPower: false)
                let value = try parser.parseExpressionList()
                try finish(parser, line)
                return .returnValue(value, line: line.line)
            default: break
            }
        }
        if let (targets, valueStart) = try assignmentTargets(line, python: python) {
            var parser = ExpressionParser(tokens, from: valueStart, line: line.line, caretIsPower: !python)
            let value = try parser.parseExpressionList()
            try finish(parser, line)
            return .assign(targets, value, line: line.line)
        }
        if tokens.count >= 2, let target = tokens[0].name, let s = tokens[1].symbol,
            ["+=", "-=", "*=", "/=", "**=", "//="].contains(s)
        {
            guard s != "//=" else { throw .unsupported("floor division (//) is not supported", line: line.line) }
            var parser = ExpressionParser(tokens, from: 2, line: line.line, caretIsPower: !python)
            let value = try parser.parseExpressionList()
            try finish(parser, line)
            return .augmentedAssign(target, String(s.dropLast()), value, line: line.line)
        }
        var parser = ExpressionParser(tokens, line: line.line, caretIsPower: !python)
        let value = try parser.parseExpressionList()
        try finish(parser, line)
        return .expression(value, line: line.line)
    }

    /// The names assigned to and where the value starts, if the line is `a = ...`, `a, b = ...` or `a: T = ...`.
    private static func assignmentTargets(_ line: LogicalLine, python: Bool) throws(LossError) -> ([String], Int)? {
        let tokens = line.tokens
        var depth = 0
        var equals: Int?
        for (i, token) in tokens.enumerated() {
            switch token.symbol {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "=" where depth == 0: if equals == nil { equals = i }
            default: break
            }
        }
        guard let equals else { return nil }
        let left = Array(tokens[..<equals])
        if python, left.count >= 2, left[1].symbol == ":", let name = left[0].name {  // annotated
            return ([name], equals + 1)
        }
        var targets: [String] = []
        for (i, token) in left.enumerated() {
            if i % 2 == 1 {
                guard token.symbol == "," else { return try badTarget(left, line) }
            } else {
                guard let name = token.name else { return try badTarget(left, line) }
                targets.append(name)
            }
        }
        guard !targets.isEmpty else { throw .syntax("an assignment has nothing on its left", line: line.line) }
        return (targets, equals + 1)
    }

    private static func badTarget(_ left: [Token], _ line: LogicalLine) throws(LossError) -> ([String], Int)? {
        if left.count >= 3, left[1].symbol == "." {
            throw .unsupported("assigning to an attribute ('\(left[0].name ?? "").\(left[2].name ?? "")') is not allowed", line: line.line)
        }
        if left.contains(where: { $0.symbol == "[" }) {
            throw .unsupported("assigning to an element (x[i] = ...) is not supported", line: line.line)
        }
        throw .syntax("only names can be assigned to", line: line.line)
    }

    private static func parseImport(_ line: LogicalLine) throws(LossError) -> Statement {
        let tokens = line.tokens
        var i = 1
        func dotted() throws(LossError) -> String {
            var parts: [String] = []
            repeat {
                guard i < tokens.count, let name = tokens[i].name else { throw .syntax("expected a module name", line: line.line) }
                parts.append(name)
                i += 1
            } while i < tokens.count && tokens[i].symbol == "."
                && {
                    i += 1; return true
                }()
            return parts.joined(separator: ".")
        }
        func alias(default name: String) throws(LossError) -> String {
            guard i < tokens.count, tokens[i].name == "as" else { return name }
            i += 1
            guard i < tokens.count, let alias = tokens[i].name else { throw .syntax("expected a name after 'as'", line: line.line) }
            i += 1
            return alias
        }
        var module: String, bound: String
        if tokens[0].name == "import" {
            module = try dotted()
            bound = try alias(default: String(module.prefix { $0 != "." }))
            if bound == String(module.prefix { $0 != "." }) { module = bound }  // `import torch.nn` binds torch
        } else {
            let base = try dotted()
            guard i < tokens.count, tokens[i].name == "import" else { throw .syntax("expected 'import'", line: line.line) }
            i += 1
            let member = try dotted()
            module = base + "." + member
            bound = try alias(default: member)
        }
        guard i == tokens.count else {
            throw .unsupported("import one module per line (as in 'import torch.nn.functional as F')", line: line.line)
        }
        return .importModule(module: module, alias: bound, line: line.line)
    }

    private static func finish(_ parser: ExpressionParser, _ line: LogicalLine) throws(LossError) {
        if let extra = parser.peek {
            throw .syntax("unexpected \(extra.quoted) after the expression", line: extra.line)
        }
    }
}
