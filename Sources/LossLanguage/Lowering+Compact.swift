extension Lowering {
    /// Input names of the compact form, with the PyTorch argument names as aliases.
    static let compactInputs: [String: LossInput] = [
        "pc": .pc, "pr": .pr, "rc": .rc, "rr": .rr, "rho": .rho,
        "policy_chosen_logps": .pc, "policy_rejected_logps": .pr,
        "reference_chosen_logps": .rc, "reference_rejected_logps": .rr,
        "pca": .pca, "pra": .pra, "rca": .rca, "rra": .rra,
        "policy_chosen_quality_logps": .pca, "policy_rejected_quality_logps": .pra,
        "reference_chosen_quality_logps": .rca, "reference_rejected_quality_logps": .rra,
    ]

    /// Functions of the compact form with their argument counts.
    static let compactFunctions: [String: Int] = {
        var table = [String: Int]()
        for f in UnaryFunction.allCases where f != .neg { table[f.rawValue] = 1 }
        for r in Reduction.allCases { table[r.rawValue] = 1 }
        table.merge([
            "min": 2, "max": 2, "where": 3, "clamp": 3, "cat": 2, "detach": 1, "fill": 2,
            "arange": 0, "size": 0,
        ]) { a, _ in a }
        return table
    }()

    mutating func compactName(_ name: String, line: Int) throws(LossError) -> Value {
        if let input = Self.compactInputs[name] { return .tensor(try builder.add(.input(input))) }
        if name == "beta" { return .tensor(try builder.add(.beta)) }
        if Self.compactFunctions[name] != nil { return .function(name) }
        throw .unsupported("name '\(name)' is not defined", line: line)
    }

    mutating func compactCall(_ name: String, _ arguments: [Value], line: Int) throws(LossError) -> Value {
        guard let arity = Self.compactFunctions[name] else { throw .unsupported("'\(name)' cannot be called", line: line) }
        guard arguments.count == arity else {
            throw .unsupported("\(name) takes \(arity) argument\(arity == 1 ? "" : "s"), got \(arguments.count)", line: line)
        }
        var args: [NodeID] = []
        for (i, argument) in arguments.enumerated() {
            args.append(try tensor(argument, what: "argument \(i + 1) of \(name)", line: line))
        }
        if let f = UnaryFunction(rawValue: name) { return .tensor(try builder.add(.unary(f), args, line: line)) }
        if let r = Reduction(rawValue: name) { return .tensor(try builder.add(.reduce(r), args, line: line)) }
        switch name {
        case "min": return .tensor(try builder.add(.binary(.min), args, line: line))
        case "max": return .tensor(try builder.add(.binary(.max), args, line: line))
        case "where": return .tensor(try builder.add(.select, args, line: line))
        case "clamp": return .tensor(try clamp(args[0], low: args[1], high: args[2], line: line))
        case "cat": return .tensor(try builder.add(.concat, args, line: line))
        case "detach": return .tensor(try builder.add(.detach, args, line: line))
        case "fill":
            let k = try integer(arguments[1], what: "the length factor of fill", line: line)
            guard (1...64).contains(k) else { throw .unsupported("the length factor of fill must be 1 to 64", line: line) }
            return .tensor(try builder.add(.fill(k), [args[0]], line: line))
        case "arange": return .tensor(try builder.add(.index))
        default: return .tensor(try builder.add(.batchSize))  // size
        }
    }

    /// clamp(x, lo, hi) = min(max(x, lo), hi); either bound may be absent.
    mutating func clamp(_ x: NodeID, low: NodeID?, high: NodeID?, line: Int) throws(LossError) -> NodeID {
        var result = x
        if let low { result = try builder.add(.binary(.max), [result, low], line: line) }
        if let high { result = try builder.add(.binary(.min), [result, high], line: line) }
        return result
    }
}
