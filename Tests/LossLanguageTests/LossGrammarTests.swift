import LossLanguage
import Testing

/// The grammar a server is sent for constrained decoding, checked with its own recognizer.
struct LossGrammarTests {
    static let grammar = LossGrammar.grammar()

    @Test(arguments: StandardLosses.all.map(\.name))
    func everyStandardLossIsASentenceAsAPromptShowsIt(_ name: String) throws {
        let graph = try #require(StandardLosses.named(name)).graph
        let accepted = Self.grammar.matches(graph.promptForm)
        #expect(accepted, "\(graph.promptForm)")
        // Rounding the constants to 4 digits keeps the loss, to about the digits shown.
        let reparsed = try LossParser.parse(graph.promptForm, form: .compact).graph
        let batch = Support.randomBatch(seed: 3, count: 8)
        let exact = LossEvaluator(graph: graph, batchSize: 8).evaluate(batch, beta: 0.1)
        let shown = LossEvaluator(graph: reparsed, batchSize: 8).evaluate(batch, beta: 0.1)
        for (a, b) in zip(exact, shown) { #expect(abs(a - b) <= 1e-3 * max(1, abs(a)), "\(graph.promptForm): \(b) vs \(a)") }
    }

    @Test func promptFormsShortenConstantsOnly() throws {
        let graph = try LossParser.parse("0.5330000001 * -logsigmoid(beta * rho) + 0.0010005003335835344 * rho ** 2 + 1e-7 * rho", form: .compact).graph
        #expect(graph.promptForm == "0.533 * -logsigmoid(beta * rho) + 1.001e-03 * rho ** 2 + 1e-07 * rho")
        let more = try LossParser.parse("-6.907755278982137 * rho + 0.0123456 * pc + 12345.6 * pr", form: .compact).graph
        #expect(more.promptForm == "-6.908 * rho + 0.0123 * pc + 12346 * pr")
        #expect(!Self.grammar.matches(more.promptForm))  // 12346: more integer digits than a model may write
        let small = try LossParser.parse("-6.907755278982137 * rho + 0.0123456 * pc", form: .compact).graph
        #expect(Self.grammar.matches(small.promptForm))
        #expect(graph.canonicalForm.contains("0.5330000001"))
    }

    @Test(arguments: [
        "-logsigmoid(beta * rho)", "0.5*exp(-beta*rho)+0.5*-logsigmoid(beta*rho)", "t1 = beta * rho; relu(1 - t1) ** 2",
        "where(rho < 0, 2 * rho, rho) * 1e-3", "max(pc - rc, 0.5) / size()",
    ])
    func sentencesParseAsLosses(_ code: String) throws {
        let accepted = Self.grammar.matches(code)
        #expect(accepted)
        _ = try LossParser.parse(code, form: .compact)
    }

    @Test(arguments: [
        "-logsigmoid(beta * logits)",  // an unknown input
        "-F.logsigmoid(beta * rho)",  // a PyTorch name
        "torch.exp(rho)",
        "softmax(rho)",  // an unknown function
        "relu(rho, 2)",  // a wrong arity
        "x = rho; x",  // a binding name other than t1, t2, ...
        "t2 = rho; t2",  // bindings out of order
        "t1 + rho",  // a binding used before it is made
        "fill(rho, 2)",  // fill makes 2N values
        "cat(rho, rho)",  // cat outside a reduction
        "import os",
        "rho[0]",
        "(((((rho)))))",  // deeper than the limit
        "rho + rho + rho + rho + rho",  // more terms than the limit
        "exp(rho + rho + rho + rho)",  // more terms inside a call than the limit
        "rho * rho * rho * rho",  // more factors than the limit
        "exp(rho * rho * rho)",  // more factors inside a call than the limit
        "0.0546621444580240145 * rho",  // more digits than the limit
        "rho > 0",  // a comparison as the whole loss: no gradient
        "rho ** (beta * 2)",  // an exponent that is not a small integer
        "rho ** 2.07",  // nor is a fraction (NaN for a negative base)
        "rho ** beta",  // nor a name
        "rho * 03",  // a leading zero
        "243e37 * rho",  // a positive exponent (overflow)
        "147 - 1 - 0.5 / 722 - rho",  // a chain of numbers
        "2 * 3 * rho",  // two numbers leading a product
        "detach(rho - 1) ** 2",  // the input only under detach: no gradient
        "abs(rho < 0.5)",  // the input only in a comparison
        "detach(rho) + rc - rr",  // only the reference's inputs outside detach: no policy gradient
        "0.19",  // no input: a constant is no loss
        "t1 = rho; 2 * beta",  // the loss names no input or binding
    ])
    func nonSentencesAreRejected(_ code: String) {
        let accepted = Self.grammar.matches(code)
        #expect(!accepted)
    }

    @Test func randomSentencesAllParse() throws {
        var random = SplitMix(seed: 7)
        var tried = 0
        while tried < 100 {
            let code = Self.grammar.randomSentence(using: &random)
            guard code.count <= 240 else { continue }  // as long as a reply's code gets
            tried += 1
            let accepted = Self.grammar.matches(code)
            #expect(accepted, "\(code)")
            // Shapes are what a grammar cannot see (a scalar loss, cat of a scalar): validation's part.
            do { _ = try LossParser.parse(code, form: .compact) } catch LossError.shape {} catch { Issue.record("\(code): \(error)") }
        }
    }

    @Test func theGBNFNamesEveryFunctionAndEscapesItsLiterals() {
        let gbnf = Self.grammar.gbnf
        #expect(gbnf.hasPrefix("loss-code ::= "))
        #expect(gbnf.contains("\nroot ::= loss-code\n"))
        for name in ["logsigmoid", "softplus", "where", "clamp", "detach", "arange"] { #expect(gbnf.contains("\"\(name)\"")) }
        #expect(gbnf.contains("\nloss-add ::= \"+\" | \"-\"\n"))
    }
}

/// A small deterministic generator for the property test.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Grammar {
    /// A random sentence: each repetition at most one past its minimum, and an atom a number or a
    /// name two times in three, so that sentences stay short.
    func randomSentence(using random: inout SplitMix) -> String {
        var output = ""
        func walk(_ node: Node, atom: Bool = false) {
            switch node {
            case let .text(s): output += s
            case let .characters(ranges, _):
                let range = ranges.randomElement(using: &random)!
                let low = range.lowerBound.unicodeScalars.first!.value, high = range.upperBound.unicodeScalars.first!.value
                output.unicodeScalars.append(Unicode.Scalar(UInt32.random(in: low...high, using: &random))!)
            case let .rule(name): walk(rules.first { $0.name == name }!.node, atom: name.hasPrefix("loss-atom"))
            case let .sequence(items): items.forEach { walk($0) }
            case let .choice(items):
                let terminal = atom && items.count > 2 && Int.random(in: 0..<3, using: &random) < 2
                walk(terminal ? items[Int.random(in: 0...1, using: &random)] : items.randomElement(using: &random)!)
            case let .repeated(item, min, max):
                for _ in 0..<Int.random(in: min...Swift.min(max, min + 1), using: &random) { walk(item) }
            }
        }
        walk(.rule(root))
        return output
    }
}
