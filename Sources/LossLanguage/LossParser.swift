/// The two source forms of a loss (docs/architecture.md §3).
public enum SourceForm: String, Sendable, CaseIterable {
    /// Statements separated by newlines or `;`, the last expression is the loss (`.loss` files).
    case compact
    /// A DiscoPOP-style PyTorch function (`.py` files), as an LLM writes it.
    case pytorch
}

/// A loss parsed into the IR.
public struct ParsedLoss: Sendable, Hashable {
    /// The function's name in the PyTorch form; nil in the compact form.
    public let name: String?
    public let graph: LossGraph
    public let form: SourceForm
}

/// Entry point of the loss language: source text to canonical IR.
public enum LossParser {
    /// The largest accepted source, in bytes (docs/architecture.md §3).
    public static let sourceLimit = 16 * 1024

    /// Parses raw bytes, rejecting invalid UTF-8 with its offset.
    public static func parse(bytes: [UInt8], form: SourceForm? = nil) throws(LossError) -> ParsedLoss {
        guard bytes.count <= sourceLimit else { throw sizeError(bytes.count) }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        decoding: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar): offset += UTF8.width(scalar)
            case .emptyInput: break decoding
            case .error: throw .syntax("the source is not valid UTF-8 (at byte \(offset))", line: nil)
            }
        }
        return try parse(String(decoding: bytes, as: UTF8.self), form: form)
    }

    /// Parses source text in the given form, or detects the form (a `def` line means PyTorch).
    public static func parse(_ source: String, form: SourceForm? = nil) throws(LossError) -> ParsedLoss {
        guard source.utf8.count <= sourceLimit else { throw sizeError(source.utf8.count) }
        let lines = try Lexer.lines(of: source)
        let form = form ?? (lines.contains { $0.tokens.first?.name == "def" } ? .pytorch : .compact)
        switch form {
        case .compact:
            var statements: [Statement] = []
            for line in lines {
                if let statement = try StatementParser.parse(line, python: false) { statements.append(statement) }
            }
            var lowering = Lowering(python: false)
            let (root, line) = try lowering.run(statements)
            return ParsedLoss(name: nil, graph: try finish(lowering, root, line: line), form: .compact)
        case .pytorch:
            let function = try PythonFunction.parse(lines)
            var lowering = Lowering(python: true)
            lowering.environment["self"] = .marker("self")
            try lowering.bindParameters(of: function)
            let (root, line) = try lowering.run(function.statements)
            return ParsedLoss(name: function.name, graph: try finish(lowering, root, line: line), form: .pytorch)
        }
    }

    private static func finish(_ lowering: Lowering, _ root: NodeID, line: Int) throws(LossError) -> LossGraph {
        let graph = try lowering.builder.graph(root: root)
        guard graph.outputShape.isVector else {
            throw .shape("Expected loss shape to be per input (e.g. (10,)), got torch.Size([])", line: line)
        }
        return graph
    }

    private static func sizeError(_ count: Int) -> LossError {
        .tooLarge("The source is too large: \(count) bytes (the limit is \(sourceLimit))")
    }
}
