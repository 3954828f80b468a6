/// PyTorch code in the DiscoPOP signature; `beta` and `n` are 0-d tensors defined up front.
struct PyTorchDialect: PrintDialect {

    func leaf(_ op: Op) -> Printed {
        switch op {
        case let .input(input): return Printed(text: input.pytorchName, precedence: Precedence.atom)
        case .beta: return Printed(text: "beta", precedence: Precedence.atom)
        case .batchSize: return Printed(text: "n", precedence: Precedence.atom)
        case .index:
            return Printed(text: "torch.arange(policy_chosen_logps.size(0), dtype=dtype, device=device)", precedence: Precedence.atom)
        case let .constant(v):
            return Printed(text: ExpressionPrinter.number(v), precedence: v < 0 ? Precedence.unary : Precedence.atom, isConstant: true)
        default: preconditionFailure("not a leaf: \(op)")
        }
    }

    /// A constant passed where torch needs a tensor, wrapped as one.
    private func tensor(_ x: Printed) -> Printed {
        guard x.isConstant else { return x }
        return Printed(text: "torch.tensor(\(x.text), dtype=dtype, device=device)", precedence: Precedence.atom)
    }

    func unary(_ f: UnaryFunction, _ x: Printed) -> Printed {
        let name: String
        switch f {
        case .neg: return Printed(text: "-" + x.wrapped(atLeast: Precedence.unary), precedence: Precedence.unary)
        case .logsigmoid, .softplus: name = "F." + f.rawValue
        default: name = "torch." + f.rawValue
        }
        return call(name, tensor(x))
    }

    func binary(_ f: BinaryFunction, _ a: Printed, _ b: Printed) -> Printed {
        switch f {
        case .add: return infix(a, "+", b, Precedence.additive)
        case .sub: return infix(a, "-", b, Precedence.additive)
        case .mul: return infix(a, "*", b, Precedence.multiplicative)
        case .div: return infix(a, "/", b, Precedence.multiplicative)
        case .pow: return infix(a, "**", b, Precedence.power)
        case .min, .max:
            let bound = f == .min ? "max" : "min"
            if a.isConstant { return Printed(text: "torch.clamp(\(b.text), \(bound)=\(a.text))", precedence: Precedence.atom) }
            if b.isConstant { return Printed(text: "torch.clamp(\(a.text), \(bound)=\(b.text))", precedence: Precedence.atom) }
            return call(f == .min ? "torch.minimum" : "torch.maximum", a, b)
        }
    }

    func compare(_ c: Comparison, _ a: Printed, _ b: Printed) -> Printed {
        let mask = "\(a.wrapped(atLeast: Precedence.comparison + 1)) \(c.symbol) \(b.wrapped(atLeast: Precedence.comparison + 1))"
        return Printed(text: "(\(mask)).to(dtype)", precedence: Precedence.atom, mask: mask)
    }

    func select(_ c: Printed, _ a: Printed, _ b: Printed) -> Printed {
        Printed(
            text: "torch.where(\(c.mask ?? "\(c.wrapped(atLeast: Precedence.comparison + 1)) != 0"), \(a.text), \(b.text))",
            precedence: Precedence.atom)
    }

    func reduce(_ r: Reduction, _ x: Printed) -> Printed {
        Printed(text: "\(tensor(x).wrapped(atLeast: Precedence.atom)).\(r.rawValue)()", precedence: Precedence.atom)
    }

    func concat(_ a: Printed, _ b: Printed) -> Printed {
        Printed(text: "torch.cat((\(a.text), \(b.text)), 0)", precedence: Precedence.atom)
    }

    func detach(_ x: Printed) -> Printed {
        Printed(text: "\(x.wrapped(atLeast: Precedence.atom)).detach()", precedence: Precedence.atom)
    }

    func fill(_ k: Int, _ v: Printed) -> Printed {
        let one = v.isConstant ? "torch.full_like(policy_chosen_logps, \(v.text))" : "torch.ones_like(policy_chosen_logps)"
        let ones = k == 1 ? one : "torch.cat((\(Array(repeating: one, count: k).joined(separator: ", "))), 0)"
        if v.isConstant { return Printed(text: ones, precedence: Precedence.atom) }
        return Printed(text: "\(ones) * \(v.wrapped(atLeast: Precedence.multiplicative + 1))", precedence: Precedence.multiplicative)
    }

    func bindingName(_ index: Int) -> String { "t\(index)" }
}
