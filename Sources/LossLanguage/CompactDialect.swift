/// The compact form (`.loss`), as the canonical printing of the IR.
struct CompactDialect: PrintDialect {
    /// Constants to this many significant digits (`nil`: exactly, as the canonical form prints them).
    var significantDigits: Int? = nil

    func leaf(_ op: Op) -> Printed {
        switch op {
        case let .input(input): return Printed(text: input.rawValue, precedence: Precedence.atom)
        case .beta: return Printed(text: "beta", precedence: Precedence.atom)
        case .batchSize: return Printed(text: "size()", precedence: Precedence.atom)
        case .index: return Printed(text: "arange()", precedence: Precedence.atom)
        case let .constant(v):
            let text = significantDigits.map { ExpressionPrinter.number(v, significantDigits: $0) } ?? ExpressionPrinter.number(v)
            return Printed(text: text, precedence: v < 0 ? Precedence.unary : Precedence.atom, isConstant: true)
        default: preconditionFailure("not a leaf: \(op)")
        }
    }

    func unary(_ f: UnaryFunction, _ x: Printed) -> Printed {
        if f == .neg { return Printed(text: "-" + x.wrapped(atLeast: Precedence.unary), precedence: Precedence.unary) }
        return call(f.rawValue, x)
    }

    func binary(_ f: BinaryFunction, _ a: Printed, _ b: Printed) -> Printed {
        switch f {
        case .add: infix(a, "+", b, Precedence.additive)
        case .sub: infix(a, "-", b, Precedence.additive)
        case .mul: infix(a, "*", b, Precedence.multiplicative)
        case .div: infix(a, "/", b, Precedence.multiplicative)
        case .pow: infix(a, "**", b, Precedence.power)
        case .min: call("min", a, b)
        case .max: call("max", a, b)
        }
    }

    func compare(_ c: Comparison, _ a: Printed, _ b: Printed) -> Printed {
        let text = "\(a.wrapped(atLeast: Precedence.comparison + 1)) \(c.symbol) \(b.wrapped(atLeast: Precedence.comparison + 1))"
        return Printed(text: text, precedence: Precedence.comparison)
    }

    func select(_ c: Printed, _ a: Printed, _ b: Printed) -> Printed { call("where", c, a, b) }
    func reduce(_ r: Reduction, _ x: Printed) -> Printed { call(r.rawValue, x) }
    func concat(_ a: Printed, _ b: Printed) -> Printed { call("cat", a, b) }
    func detach(_ x: Printed) -> Printed { call("detach", x) }
    func fill(_ k: Int, _ v: Printed) -> Printed { call("fill", v, Printed(text: String(k), precedence: Precedence.atom)) }
    func bindingName(_ index: Int) -> String { "t\(index)" }
}

extension LossGraph {
    /// The canonical compact form: constants folded, commutative operands ordered, shared
    /// subexpressions bound to `t1`, `t2`, ... Parsing it gives back this graph.
    public var canonicalForm: String { compactForm(CompactDialect()) }

    /// The canonical form with its constants to 4 significant digits: what an LLM is shown, and
    /// what the reply grammar (``LossGrammar``) lets it write back. It may not parse to this very
    /// graph (a constant rounded), so it is for reading, never for fingerprints or evaluation.
    public var promptForm: String { compactForm(CompactDialect(significantDigits: 4)) }

    private func compactForm(_ dialect: CompactDialect) -> String {
        let (bindings, result) = ExpressionPrinter.render(self, dialect)
        return (bindings.map { "\($0.0) = \($0.1)" } + [result]).joined(separator: "; ")
    }
}
