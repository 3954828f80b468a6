/// LaTeX for papers and notes: rho, beta, sigma, fractions.
struct LaTeXDialect: PrintDialect {
    func leaf(_ op: Op) -> Printed {
        let text: String
        switch op {
        case .input(.pc): text = "\\log\\pi_\\theta(y_w)"
        case .input(.pr): text = "\\log\\pi_\\theta(y_l)"
        case .input(.rc): text = "\\log\\pi_{\\mathrm{ref}}(y_w)"
        case .input(.rr): text = "\\log\\pi_{\\mathrm{ref}}(y_l)"
        case .input(.rho): text = "\\rho"
        case .input(.pca): text = "\\log\\pi_\\theta(y_w \\mid p \\oplus x)"
        case .input(.pra): text = "\\log\\pi_\\theta(y_l \\mid p \\oplus x)"
        case .input(.rca): text = "\\log\\pi_{\\mathrm{ref}}(y_w \\mid p \\oplus x)"
        case .input(.rra): text = "\\log\\pi_{\\mathrm{ref}}(y_l \\mid p \\oplus x)"
        case .beta: text = "\\beta"
        case .batchSize: text = "N"
        case .index: text = "i"
        case let .constant(v):
            return Printed(text: ExpressionPrinter.number(v), precedence: v < 0 ? Precedence.unary : Precedence.atom, isConstant: true)
        default: preconditionFailure("not a leaf: \(op)")
        }
        return Printed(text: text, precedence: Precedence.atom)
    }

    private func function(_ name: String, _ args: Printed...) -> Printed {
        Printed(text: "\(name)\\left(\(args.map(\.text).joined(separator: ", "))\\right)", precedence: Precedence.atom)
    }

    func unary(_ f: UnaryFunction, _ x: Printed) -> Printed {
        switch f {
        case .neg: Printed(text: "-" + x.wrapped(atLeast: Precedence.unary, open: "\\left(", close: "\\right)"), precedence: Precedence.unary)
        case .exp: Printed(text: "e^{\(x.text)}", precedence: Precedence.power)
        case .expm1: function("\\operatorname{expm1}", x)
        case .log: function("\\log", x)
        case .log1p: function("\\log", Printed(text: "1 + \(x.text)", precedence: Precedence.additive))
        case .sigmoid: function("\\sigma", x)
        case .logsigmoid: function("\\log\\sigma", x)
        case .softplus: function("\\operatorname{softplus}", x)
        case .tanh: function("\\tanh", x)
        case .relu: function("\\max", Printed(text: "0", precedence: Precedence.atom), x)
        case .abs: Printed(text: "\\left|\(x.text)\\right|", precedence: Precedence.atom)
        case .sqrt: Printed(text: "\\sqrt{\(x.text)}", precedence: Precedence.atom)
        case .square: Printed(text: "{\(x.wrapped(atLeast: Precedence.atom, open: "\\left(", close: "\\right)"))}^{2}", precedence: Precedence.power)
        }
    }

    func binary(_ f: BinaryFunction, _ a: Printed, _ b: Printed) -> Printed {
        let paren = { (p: Printed, minimum: Int) in p.wrapped(atLeast: minimum, open: "\\left(", close: "\\right)") }
        switch f {
        case .add: return Printed(text: "\(paren(a, 6)) + \(paren(b, 7))", precedence: Precedence.additive)
        case .sub: return Printed(text: "\(paren(a, 6)) - \(paren(b, 7))", precedence: Precedence.additive)
        case .mul: return Printed(text: "\(paren(a, 7)) \\cdot \(paren(b, 8))", precedence: Precedence.multiplicative)
        case .div: return Printed(text: "\\frac{\(a.text)}{\(b.text)}", precedence: Precedence.atom)
        case .pow: return Printed(text: "{\(paren(a, Precedence.atom))}^{\(b.text)}", precedence: Precedence.power)
        case .min: return function("\\min", a, b)
        case .max: return function("\\max", a, b)
        }
    }

    func compare(_ c: Comparison, _ a: Printed, _ b: Printed) -> Printed {
        let symbol = [Comparison.lt: "<", .le: "\\le", .gt: ">", .ge: "\\ge", .eq: "=", .ne: "\\neq"][c]!
        return Printed(text: "\\mathbb{1}\\left[\(a.text) \(symbol) \(b.text)\\right]", precedence: Precedence.atom)
    }

    func select(_ c: Printed, _ a: Printed, _ b: Printed) -> Printed {
        Printed(
            text: "\\begin{cases} \(a.text) & \\text{if } \(c.text) \\neq 0 \\\\ \(b.text) & \\text{otherwise} \\end{cases}",
            precedence: Precedence.atom)
    }

    func reduce(_ r: Reduction, _ x: Printed) -> Printed {
        function("\\operatorname{\(r == .variance ? "var" : r.rawValue)}_{\\text{batch}}", x)
    }

    func concat(_ a: Printed, _ b: Printed) -> Printed {
        Printed(text: "\\left[\(a.text);\\ \(b.text)\\right]", precedence: Precedence.atom)
    }

    func detach(_ x: Printed) -> Printed { function("\\operatorname{sg}", x) }
    func fill(_ k: Int, _ v: Printed) -> Printed { v }
    func bindingName(_ index: Int) -> String { "t_{\(index)}" }
}
