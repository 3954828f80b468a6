/// The structure of a PyTorch-form source: imports and constants, then one `def` whose body is the loss.
struct PythonFunction {
    /// What the function's tensor parameters are, by their number (after `self` and `beta`).
    enum Signature: Equatable {
        /// Four: the DiscoPOP / TRL 0.x signature, policy chosen, policy rejected, reference chosen, reference rejected.
        case logProbs
        /// Eight: those four, then the same under the quality prompt (policy chosen, policy rejected,
        /// reference chosen, reference rejected: `policy_chosen_quality_logps` and so on).
        case qualityLogProbs
        /// Two: the chosen and rejected log-ratios (`chosen_logratios`, `rejected_logratios` in TRL 1.x).
        case logRatios
        /// One: the margin rho = chosen log-ratio - rejected log-ratio (`delta_score`, `logits`).
        case margin
    }

    var name: String
    /// The tensor parameter names, in order, as `signature` reads them.
    var parameters: [String]
    var signature: Signature
    /// A parameter named `beta` (its default value, if any, is ignored: beta comes from the task).
    var betaParameter: String?
    /// Module-level statements (imports, constants) followed by the body's statements.
    var statements: [Statement]

    static func parse(_ lines: [LogicalLine]) throws(LossError) -> PythonFunction {
        var statements: [Statement] = []
        var index = 0
        while index < lines.count, lines[index].tokens.first?.name != "def" {
            let line = lines[index]
            if line.indent > 0 { throw .syntax("unexpected indentation", line: line.line) }
            if let statement = try StatementParser.parse(line, python: true) {
                if case .returnValue = statement { throw .syntax("'return' outside the loss function", line: line.line) }
                statements.append(statement)
            }
            index += 1
        }
        guard index < lines.count else {
            throw .syntax(
                "no loss function found: expected 'def name(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps):'", line: nil)
        }
        let header = lines[index]
        let (name, parameters, signature, beta) = try parseHeader(header)
        index += 1
        var sawBody = false
        while index < lines.count {
            let line = lines[index]
            if line.indent <= header.indent {
                if line.tokens.first?.name == "def" { throw .unsupported("only one function may be defined", line: line.line) }
                throw .unsupported("code after the loss function is not allowed", line: line.line)
            }
            sawBody = true
            if let statement = try StatementParser.parse(line, python: true) { statements.append(statement) }
            index += 1
        }
        guard sawBody else { throw .syntax("the loss function has no body", line: header.line) }
        return PythonFunction(name: name, parameters: parameters, signature: signature, betaParameter: beta, statements: statements)
    }

    static let signatureHelp =
        "the loss function must take (self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps), those four and the same under the quality prompt (policy_chosen_quality_logps, policy_rejected_quality_logps, reference_chosen_quality_logps, reference_rejected_quality_logps), or (chosen_logratios, rejected_logratios), or one margin (delta_score), each optionally with beta"

    /// `def name(self, a: T, b, c, d, beta=0.1) -> T:`
    private static func parseHeader(_ line: LogicalLine) throws(LossError) -> (String, [String], Signature, String?) {
        let tokens = line.tokens
        guard tokens.count >= 4, let name = tokens[1].name, tokens[2].symbol == "(" else {
            throw .syntax("malformed function definition", line: line.line)
        }
        var parameters: [String] = []
        var i = 3, depth = 0, expectingName = true
        while i < tokens.count {
            let token = tokens[i]
            if depth == 0, token.symbol == ")" { break }
            switch token.symbol {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "," where depth == 0: expectingName = true; i += 1; continue
            case "*", "**": throw .unsupported("*args and **kwargs are not supported in the loss signature", line: line.line)
            default: break
            }
            if expectingName, depth == 0, let parameter = token.name {
                parameters.append(parameter)
                expectingName = false
            }
            i += 1
        }
        guard i < tokens.count, tokens.last?.symbol == ":" else {
            throw .syntax("the function definition must end with ':' and its body must start on the next line", line: line.line)
        }
        if parameters.first == "self" { parameters.removeFirst() }
        let beta = parameters.contains("beta") ? "beta" : nil
        parameters.removeAll { $0 == "beta" }
        let signature: Signature
        switch parameters.count {
        case 4: signature = .logProbs
        case 8: signature = .qualityLogProbs
        case 2: signature = .logRatios
        case 1: signature = .margin
        default:
            throw .syntax("\(signatureHelp); got \(parameters.count) tensor parameters", line: line.line)
        }
        return (name, parameters, signature, beta)
    }
}
